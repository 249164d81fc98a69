{{ stage_partner_values('criminal_proceedings') }}
