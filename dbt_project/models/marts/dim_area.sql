{#- The 32 local authority areas and Scotland, with the names and retired codes
    intake accepts for each (data/seeds/areas.csv, area_aliases.csv). -#}

with

areas as (

    select * from {{ ref('areas') }}

),

aliases as (

    select
        area_code,
        string_agg(alias, '; ' order by alias) as aliases
    from {{ ref('area_aliases') }}
    group by area_code

)

select
    areas.area_code,
    areas.area_name,
    areas.area_type,
    areas.area_code = 'S92000003' as is_scotland,
    nullif(areas.retired_codes, '') as retired_codes,
    aliases.aliases
from areas
left join aliases
    on areas.area_code = aliases.area_code
