{{ stage_partner_values('homelessness') }}
