with

source as (

    select * from {{ source('raw', 'return_evidence') }}

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,
        cast(evidence_id as varchar) as evidence_id,

        -- what the area said
        cast(outcome_id as varchar) as outcome_id,
        cast(status as varchar) as evidence_status,
        cast(commentary as varchar) as commentary,

        -- lineage: the Status cell
        cast(sheet as varchar) as source_sheet,
        cast(cell as varchar) as source_cell

    from source

)

select * from renamed
