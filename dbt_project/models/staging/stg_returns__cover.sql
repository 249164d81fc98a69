with

source as (

    select * from {{ source('raw', 'return_cover') }}

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,

        -- cover details
        cast(completed_by as varchar) as completed_by,
        cast(email as varchar) as email,
        cast(date_completed as varchar) as date_completed,
        cast(template_version as varchar) as template_version,
        cast(file_format as varchar) as file_format,

        -- lineage: the cover as written and where the area was read
        cast(area_text as varchar) as area_text,
        cast(year_text as varchar) as year_text,
        cast(sheet as varchar) as source_sheet,
        cast(cell as varchar) as source_cell

    from source

)

select * from renamed
