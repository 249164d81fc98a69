{#- Area measures plus one Scotland figure per year and measure.

    Scotland comes from the partner's own Scotland row where one exists: it is
    the authority (areas may be suppressed in it) and is never summed as a 33rd
    area. Otherwise Scotland is the sum of the areas, marked [u] when fewer than
    all 32 areas have a value (a partial total). Only counts are summed: a
    partner measure whose unit is not a count (a rate, an average per person)
    has no Scotland figure unless the partner publishes one; indicators built
    on such measures use counts derived from them (int_measures_current). -#}

with

measures as (

    select * from {{ ref('int_measures_current') }}

),

areas as (

    select area_code from {{ ref('areas') }}
    where area_type = 'local_authority'

),

not_counts as (

    select measure from {{ ref('partner_measures') }}
    where unit != 'count'

),

area_rows as (

    select
        measures.*,
        'area' as scotland_basis
    from measures
    inner join areas
        on measures.area_code = areas.area_code

),

partner_scotland as (

    select
        *,
        'partner Scotland row' as scotland_basis
    from measures
    where area_code = 'S92000003'

),

summed_scotland as (

    select
        'S92000003' as area_code,
        financial_year,
        measure,
        sum(value) as value,
        {{ merge_markers([
            "string_agg(distinct case when value is not null then marker end, ' ')",
            "case when count(value) < (select count(*) from areas) then '[u]' end"
        ]) }} as marker,
        any_value(partner_source) as partner_source,
        cast(null as varchar) as submission_id,
        cast(null as varchar) as source_sheet,
        cast(null as varchar) as source_cell,
        'sum of ' || count(value) || ' areas' as scotland_basis
    from area_rows
    where measure not in (select not_counts.measure from not_counts)
    group by financial_year, measure
    having count(value) > 0

)

select * from area_rows
union all
select * from partner_scotland
union all
select summed_scotland.*
from summed_scotland
anti join partner_scotland
    on summed_scotland.financial_year = partner_scotland.financial_year
    and summed_scotland.measure = partner_scotland.measure
