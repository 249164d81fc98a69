{#- Each of the 32 areas against Scotland and its comparator group, per year
    and indicator (Scotland-only indicators have no area rows to compare). The
    groups are dim_comparator_group: by default the official LGBF family groups
    (people services, by deprivation), or the scheme CJ_COMPARATOR_GROUPS names.

    Group values are built from the members' inputs, like Scotland's: for a
    ratio indicator multiplier * sum(numerator) / sum(denominator) over members
    with a value (never the mean of their percentages); for a count the sum.
    A group value missing some members is marked [u] (partial), as a summed
    Scotland is. Ranks use RANK() among areas with a value (ties share a rank,
    the next rank is skipped); rank 1 is the best by polarity; neutral
    indicators are not ranked. -#}

with

indicator_values as (

    select * from {{ ref('fct_indicator_values') }}

),

indicators as (

    select indicator_id, method, multiplier, polarity from {{ ref('dim_indicator') }}

),

groups as (

    select area_code, comparator_group from {{ ref('dim_comparator_group') }}

),

area_values as (

    select
        indicator_values.area_code,
        indicator_values.area_name,
        indicator_values.financial_year,
        indicator_values.indicator_id,
        indicators.method,
        indicators.multiplier,
        indicators.polarity,
        groups.comparator_group,
        indicator_values.value,
        indicator_values.numerator,
        indicator_values.denominator,
        indicator_values.marker
    from indicator_values
    inner join groups
        on indicator_values.area_code = groups.area_code
    inner join indicators
        on indicator_values.indicator_id = indicators.indicator_id

),

scotland as (

    select
        financial_year,
        indicator_id,
        value as scotland_value,
        marker as scotland_marker
    from indicator_values
    where area_code = 'S92000003'

),

group_values as (

    select
        comparator_group,
        financial_year,
        indicator_id,
        count(*) as group_size,
        count(value) as group_areas_with_value,
        case
            when any_value(method) = 'ratio'
                then
                    any_value(multiplier)
                    * sum(case when value is not null then numerator end)
                    / sum(case when value is not null then denominator end)
            else sum(value)
        end as group_value,
        case
            when count(value) = 0
                then case when bool_or(marker like '%[c]%') then '[c]' else '[x]' end
            else
                {{ merge_markers([
                    "string_agg(distinct case when value is not null then marker end, ' ')",
                    "case when count(value) < count(*) then '[u]' end"
                ]) }}
        end as group_marker
    from area_values
    group by comparator_group, financial_year, indicator_id

),

ranked as (

    select
        area_values.*,
        case
            when area_values.value is null then null
            when area_values.polarity = 'higher_is_better'
                then rank() over (
                        partition by area_values.financial_year, area_values.indicator_id
                        order by area_values.value desc nulls last
                    )
            when area_values.polarity = 'lower_is_better'
                then rank() over (
                        partition by area_values.financial_year, area_values.indicator_id
                        order by area_values.value asc nulls last
                    )
        end as rank_in_scotland,
        case
            when area_values.value is null then null
            when area_values.polarity = 'higher_is_better'
                then rank() over (
                        partition by
                            area_values.comparator_group,
                            area_values.financial_year,
                            area_values.indicator_id
                        order by area_values.value desc nulls last
                    )
            when area_values.polarity = 'lower_is_better'
                then rank() over (
                        partition by
                            area_values.comparator_group,
                            area_values.financial_year,
                            area_values.indicator_id
                        order by area_values.value asc nulls last
                    )
        end as rank_in_group,
        count(area_values.value) over (
            partition by area_values.financial_year, area_values.indicator_id
        ) as areas_ranked
    from area_values

)

select
    ranked.area_code,
    ranked.area_name,
    ranked.financial_year,
    ranked.indicator_id,
    ranked.comparator_group,
    ranked.polarity,
    ranked.value,
    ranked.marker,
    ranked.rank_in_scotland,
    ranked.areas_ranked,
    ranked.rank_in_group,
    scotland.scotland_value,
    scotland.scotland_marker,
    ranked.value - scotland.scotland_value as difference_from_scotland,
    group_values.group_value,
    group_values.group_marker,
    group_values.group_size,
    group_values.group_areas_with_value,
    ranked.value - group_values.group_value as difference_from_group
from ranked
left join scotland
    on ranked.financial_year = scotland.financial_year
    and ranked.indicator_id = scotland.indicator_id
left join group_values
    on ranked.comparator_group = group_values.comparator_group
    and ranked.financial_year = group_values.financial_year
    and ranked.indicator_id = group_values.indicator_id
