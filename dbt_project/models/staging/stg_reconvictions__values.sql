{{ stage_partner_values('reconvictions') }}
