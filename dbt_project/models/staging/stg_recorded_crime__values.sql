{{ stage_partner_values('recorded_crime') }}
