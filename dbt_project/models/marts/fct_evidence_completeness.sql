{#- Is each area's return in, and is it complete enough to publish?
    (docs/data-contract.md section 5). One row per local authority x financial year with
    any data. An item is complete when: an evidence Status is given and is not
    'Not known'; Actions taken is given (every outcome); Progress is given
    (outcomes assessed Not achieved). Only the current return counts. -#}

with

areas as (

    select area_code from {{ ref('areas') }}
    where area_type = 'local_authority'

),

return_submissions as (

    select * from {{ ref('stg_intake__submissions') }}
    where submission_kind = 'return'

),

data_years as (

    select financial_year from {{ ref('int_measures_current') }}
    union
    select financial_year from return_submissions
    where financial_year is not null

),

years as (

    select financial_years.financial_year
    from {{ ref('financial_years') }} as financial_years
    inner join data_years
        on financial_years.financial_year = data_years.financial_year

),

current_returns as (

    select * from {{ ref('int_returns_versioned') }}
    where is_current

),

rejected as (

    select distinct area_code, financial_year
    from return_submissions
    where submission_status = 'rejected'
        and area_code is not null
        and financial_year is not null

),

national_outcomes as (

    select outcome_id from {{ ref('outcomes') }}
    where outcome_id like 'NO%'

),

evidence_items as (

    select
        current_returns.area_code,
        current_returns.financial_year,
        '1 ' || catalogue.evidence_id as sort_key,
        coalesce(evidence.evidence_status <> 'Not known', false) as is_complete,
        catalogue.evidence_id
        || case
            when evidence.evidence_status is null then ' evidence (no status)'
            else ' evidence (Not known)'
        end as label
    from current_returns
    cross join {{ ref('local_evidence') }} as catalogue
    left join {{ ref('stg_returns__evidence') }} as evidence
        on current_returns.submission_id = evidence.submission_id
        and catalogue.evidence_id = evidence.evidence_id

),

assessments as (

    select
        current_returns.area_code,
        current_returns.financial_year,
        national_outcomes.outcome_id,
        assessed.assessment,
        assessed.actions_taken,
        assessed.progress
    from current_returns
    cross join national_outcomes
    left join {{ ref('stg_returns__assessments') }} as assessed
        on current_returns.submission_id = assessed.submission_id
        and national_outcomes.outcome_id = assessed.outcome_id

),

action_items as (

    select
        area_code,
        financial_year,
        '2 ' || outcome_id as sort_key,
        actions_taken is not null as is_complete,
        outcome_id || ' actions taken' as label
    from assessments

),

progress_items as (

    select
        area_code,
        financial_year,
        '3 ' || outcome_id as sort_key,
        progress is not null as is_complete,
        outcome_id || ' progress' as label
    from assessments
    where assessment = 'Not achieved'

),

items as (

    select * from evidence_items
    union all
    select * from action_items
    union all
    select * from progress_items

),

per_return as (

    select
        area_code,
        financial_year,
        count(*) as items_expected,
        count(*) filter (where is_complete) as items_complete,
        coalesce(
            string_agg(label, '; ' order by sort_key) filter (where not is_complete),
            ''
        ) as missing_items
    from items
    group by area_code, financial_year

),

blank_return as (

    select
        (select count(*) from {{ ref('local_evidence') }})
        + (select count(*) from national_outcomes) as items_expected

)

select
    areas.area_code,
    years.financial_year,
    case
        when per_return.area_code is not null then 'received'
        when rejected.area_code is not null then 'rejected'
        else 'missing'
    end as return_status,
    coalesce(per_return.items_expected, blank_return.items_expected) as items_expected,
    coalesce(per_return.items_complete, 0) as items_complete,
    case
        when per_return.area_code is not null then per_return.missing_items
        when rejected.area_code is not null then 'Return rejected: see its receipt'
        else 'No return received'
    end as missing_items,
    coalesce(per_return.items_complete = per_return.items_expected, false) as ready_to_publish
from areas
cross join years
cross join blank_return
left join per_return
    on areas.area_code = per_return.area_code
    and years.financial_year = per_return.financial_year
left join rejected
    on areas.area_code = rejected.area_code
    and years.financial_year = rejected.financial_year
