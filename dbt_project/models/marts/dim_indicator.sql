{#- The indicator catalogue (data/seeds/indicators.csv) with its national outcome. -#}

with

indicators as (

    select * from {{ ref('indicators') }}

),

outcomes as (

    select * from {{ ref('outcomes') }}

)

select
    indicators.indicator_id,
    indicators.outcome_id,
    outcomes.outcome_name as outcome,
    indicators.description,
    indicators.unit,
    indicators.polarity,
    indicators.source,
    indicators.method,
    indicators.numerator_measure,
    indicators.denominator_measure,
    indicators.multiplier,
    indicators.scotland_only,
    indicators.note
from indicators
left join outcomes
    on indicators.outcome_id = outcomes.outcome_id
