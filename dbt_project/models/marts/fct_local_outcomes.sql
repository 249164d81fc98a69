{#- Local outcomes, balancing measures and priority actions from each area's
    current return: one row per area x year x row of the Local outcomes sheet. -#}

with

current_returns as (

    select * from {{ ref('int_returns_versioned') }}
    where is_current

)

select
    local_outcomes.area_code,
    local_outcomes.financial_year,
    local_outcomes.row_number,
    local_outcomes.outcome_type,
    local_outcomes.local_outcome,
    local_outcomes.metric,
    local_outcomes.value,
    local_outcomes.marker,
    local_outcomes.value_text,
    local_outcomes.unit,
    local_outcomes.commentary,
    local_outcomes.submission_id,
    local_outcomes.source_sheet,
    local_outcomes.source_cell
from {{ ref('stg_returns__local_outcomes') }} as local_outcomes
inner join current_returns
    on local_outcomes.submission_id = current_returns.submission_id
