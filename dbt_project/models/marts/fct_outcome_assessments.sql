{#- Each area's section 23 assessment of the national outcomes from its current
    return: one row per area x year x outcome (NO1-NO9), with the indicators
    (data/seeds/indicators.csv) that inform each outcome, for report packs. -#}

with

current_returns as (

    select * from {{ ref('int_returns_versioned') }}
    where is_current

),

assessments as (

    select assessed.*
    from {{ ref('stg_returns__assessments') }} as assessed
    inner join current_returns
        on assessed.submission_id = current_returns.submission_id

),

outcomes as (

    select * from {{ ref('outcomes') }}

),

informing as (

    select
        outcome_id,
        string_agg(indicator_id, ', ' order by indicator_id) as informing_indicators
    from {{ ref('indicators') }}
    group by outcome_id

)

select
    assessments.area_code,
    assessments.financial_year,
    assessments.outcome_id,
    outcomes.outcome_name,
    assessments.assessment,
    assessments.actions_taken,
    assessments.progress,
    informing.informing_indicators,
    assessments.submission_id,
    assessments.source_sheet,
    assessments.source_cell
from assessments
left join outcomes
    on assessments.outcome_id = outcomes.outcome_id
left join informing
    on assessments.outcome_id = informing.outcome_id
