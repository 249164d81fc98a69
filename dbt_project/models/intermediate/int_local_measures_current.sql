{#- Local measures of the current return per area and year, in the long shape
    of int_measures_current: measure ids LM6.1_numerator, LM6.1_denominator ...
    as named in data/seeds/indicators.csv, with submission, sheet and cell. -#}

with

current_returns as (

    select submission_id from {{ ref('int_returns_versioned') }}
    where is_current

),

measures as (

    select stg.*
    from {{ ref('stg_returns__measures') }} as stg
    inner join current_returns
        on stg.submission_id = current_returns.submission_id

)

select
    area_code,
    financial_year,
    measure_id || '_numerator' as measure,
    numerator as value,
    numerator_marker as marker,
    'local_return' as partner_source,
    submission_id,
    source_sheet,
    numerator_cell as source_cell
from measures

union all

select
    area_code,
    financial_year,
    measure_id || '_denominator' as measure,
    denominator as value,
    denominator_marker as marker,
    'local_return' as partner_source,
    submission_id,
    source_sheet,
    denominator_cell as source_cell
from measures
