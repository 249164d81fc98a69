{#- Every accepted local area return, with which one is current.
    A later accepted return for the same area and year supersedes the earlier
    (docs/data-contract.md section 2, docs/architecture.md: raw is immutable); earlier ones stay
    here with is_current = false. The same bytes twice are one submission
    already, so duplicates never reach this model. -#}

with

submissions as (

    select * from {{ ref('stg_intake__submissions') }}
    where submission_kind = 'return'
        and submission_status = 'accepted'

)

select
    submission_id,
    area_code,
    financial_year,
    file_name,
    sha256,
    received_at,
    arrival_seq,
    row_number() over (
        partition by area_code, financial_year
        order by arrival_seq desc
    ) = 1 as is_current
from submissions
