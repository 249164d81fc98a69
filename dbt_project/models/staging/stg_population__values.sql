{{ stage_partner_values('population') }}
