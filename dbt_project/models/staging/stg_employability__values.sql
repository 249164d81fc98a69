{{ stage_partner_values('employability') }}
