{{ stage_partner_values('police_custody') }}
