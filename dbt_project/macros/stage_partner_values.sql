{#- Staging for one partner source: its rows of raw.partner_values, typed.
    Every source has the same tidy shape because intake already parsed both
    layouts; keeping one view per source lets tests and docs speak per source. -#}
{% macro stage_partner_values(source_name) %}
with

source as (

    select * from {{ source('raw', 'partner_values') }}
    where source = '{{ source_name }}'

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,
        cast(measure as varchar) as measure,

        -- value and its marker
        cast(value as double) as value,
        cast(marker as varchar) as marker,

        -- lineage: where in the file the value was read
        cast(sheet as varchar) as source_sheet,
        cast(cell as varchar) as source_cell,
        cast(raw_value as varchar) as source_text,
        -- the recipe that read it (builtin:data_contract for our own layouts; NULL before recipes)
        cast(recipe as varchar) as source_recipe

    from source

)

select * from renamed
{% endmacro %}
