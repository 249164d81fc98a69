with

source as (

    select * from {{ source('raw', 'return_measures') }}

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,
        cast(measure_id as varchar) as measure_id,

        -- numerator and denominator with their markers
        cast(numerator as double) as numerator,
        cast(numerator_marker as varchar) as numerator_marker,
        cast(denominator as double) as denominator,
        cast(denominator_marker as varchar) as denominator_marker,
        cast(note as varchar) as note,

        -- lineage: the cells as read
        cast(sheet as varchar) as source_sheet,
        cast(numerator_cell as varchar) as numerator_cell,
        cast(denominator_cell as varchar) as denominator_cell,
        cast(numerator_text as varchar) as numerator_text,
        cast(denominator_text as varchar) as denominator_text

    from source

)

select * from renamed
