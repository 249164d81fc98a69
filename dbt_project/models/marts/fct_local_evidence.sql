{#- Each area's local supporting evidence from its current return: one row per area x
    financial year x catalogue item (data/seeds/local_evidence.csv), with the status the
    area gave (NULL when the item was left out), for the report packs. -#}

with

current_returns as (

    select * from {{ ref('int_returns_versioned') }}
    where is_current

),

catalogue as (

    select * from {{ ref('local_evidence') }}

),

evidence as (

    select * from {{ ref('stg_returns__evidence') }}

)

select
    current_returns.area_code,
    current_returns.financial_year,
    catalogue.evidence_id,
    catalogue.outcome_id,
    catalogue.statement,
    evidence.evidence_status,
    evidence.commentary,
    current_returns.submission_id,
    evidence.source_sheet,
    evidence.source_cell
from current_returns
cross join catalogue
left join evidence
    on current_returns.submission_id = evidence.submission_id
    and catalogue.evidence_id = evidence.evidence_id
