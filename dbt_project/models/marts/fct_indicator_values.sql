{#- The published contract (docs/data-contract.md section 5): one row per area and
    Scotland x year x indicator. value is NULL exactly when marker says why. -#}

select
    area_code,
    area_name,
    financial_year,
    indicator_id,
    value,
    numerator,
    denominator,
    marker
from {{ ref('int_indicator_values_computed') }}
