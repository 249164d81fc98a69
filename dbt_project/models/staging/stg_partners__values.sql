{#- Every value of every accepted partner file, typed, with its measure's row
    of the partner_measures seed. One model for all sources: a source is data
    (its seed rows and recipes), so a new one flows through here with no SQL
    change. The join is a left join so that a value whose source and measure
    are not in the seed is not dropped silently: intake refuses such files,
    and the row_contract test (measure_unit not null) fails if one got in. -#}
with

source as (

    select * from {{ source('raw', 'partner_values') }}

),

measures as (

    select * from {{ ref('partner_measures') }}

),

renamed as (

    select
        -- keys
        cast(source.source as varchar) as partner_source,
        cast(source.submission_id as varchar) as submission_id,
        cast(source.area_code as varchar) as area_code,
        cast(source.financial_year as varchar) as financial_year,
        cast(source.measure as varchar) as measure,

        -- value and its marker
        cast(source.value as double) as value,
        cast(source.marker as varchar) as marker,

        -- what the measure is, from the seed
        cast(measures.unit as varchar) as measure_unit,

        -- lineage: where in the file the value was read
        cast(source.sheet as varchar) as source_sheet,
        cast(source.cell as varchar) as source_cell,
        cast(source.raw_value as varchar) as source_text,
        -- the recipe that read it (builtin:data_contract for our own layouts; NULL before recipes)
        cast(source.recipe as varchar) as source_recipe

    from source
    left join measures
        on
        source.source = measures.source
        and source.measure = measures.measure

)

select * from renamed
