{{ stage_partner_values('phs_treatment') }}
