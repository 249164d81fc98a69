{{ stage_partner_values('jsws') }}
