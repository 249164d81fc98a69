{{ stage_partner_values('scjs') }}
