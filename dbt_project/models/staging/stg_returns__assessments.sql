with

source as (

    select * from {{ source('raw', 'return_assessments') }}

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,
        cast(outcome_id as varchar) as outcome_id,

        -- the assessment
        cast(assessment as varchar) as assessment,
        cast(actions_taken as varchar) as actions_taken,
        cast(progress as varchar) as progress,

        -- lineage: the Assessment cell
        cast(sheet as varchar) as source_sheet,
        cast(cell as varchar) as source_cell

    from source

)

select * from renamed
