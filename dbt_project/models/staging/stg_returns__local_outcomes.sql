with

source as (

    select * from {{ source('raw', 'return_local_outcomes') }}

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,
        cast(row_number as integer) as row_number,

        -- the local outcome or balancing measure
        cast(local_outcome as varchar) as local_outcome,
        cast(metric as varchar) as metric,
        cast(outcome_type as varchar) as outcome_type,
        cast(value as double) as value,
        cast(value_marker as varchar) as marker,
        cast(unit as varchar) as unit,
        cast(commentary as varchar) as commentary,

        -- lineage: the Type cell and the value as written
        cast(sheet as varchar) as source_sheet,
        cast(cell as varchar) as source_cell,
        cast(value_text as varchar) as value_text

    from source

)

select * from renamed
