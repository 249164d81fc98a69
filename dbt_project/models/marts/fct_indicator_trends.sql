{#- Trends for every row of fct_indicator_values (same grain).

    Years are matched by start year (t-1, t-2), not by row order, so a gap in
    a series never pairs two non-adjacent years. A calculation is NULL when
    any value it uses is NULL, and when any value it spans carries [b] (break
    in series): the marker does not say on which side the break lies.
    Direction compares the change on the previous year with the unit's
    threshold (seed trend_thresholds) and the indicator's polarity; neutral
    indicators get no direction. Pandemic years are flagged, not removed. -#}

with

indicator_values as (

    select * from {{ ref('fct_indicator_values') }}

),

indicators as (

    select indicator_id, unit, polarity from {{ ref('dim_indicator') }}

),

years as (

    select financial_year, start_year, pandemic_year from {{ ref('financial_years') }}

),

thresholds as (

    select unit, threshold_basis, threshold from {{ ref('trend_thresholds') }}

),

series as (

    select
        indicator_values.area_code,
        indicator_values.area_name,
        indicator_values.financial_year,
        indicator_values.indicator_id,
        indicator_values.value,
        indicator_values.marker,
        years.start_year,
        years.pandemic_year,
        coalesce(indicator_values.marker like '%[b]%', false) as has_break
    from indicator_values
    inner join years
        on indicator_values.financial_year = years.financial_year

),

series_start as (

    {#- The first year with a value, per area x indicator. -#}
    select
        area_code,
        indicator_id,
        min(start_year) as start_year
    from series
    where value is not null
    group by area_code, indicator_id

),

windowed as (

    select
        series.*,
        previous.financial_year as previous_year,
        previous.value as previous_value,
        previous.has_break as previous_has_break,
        previous.pandemic_year as previous_pandemic_year,
        before_previous.value as before_previous_value,
        before_previous.has_break as before_previous_has_break,
        first_year.financial_year as series_start_year,
        first_year.value as series_start_value,
        (
            select coalesce(bool_or(spanned.has_break), false)
            from series as spanned
            where
                spanned.area_code = series.area_code
                and spanned.indicator_id = series.indicator_id
                and spanned.start_year between series_start.start_year and series.start_year
        ) as break_since_start
    from series
    left join series as previous
        on series.area_code = previous.area_code
        and series.indicator_id = previous.indicator_id
        and series.start_year - 1 = previous.start_year
    left join series as before_previous
        on series.area_code = before_previous.area_code
        and series.indicator_id = before_previous.indicator_id
        and series.start_year - 2 = before_previous.start_year
    left join series_start
        on series.area_code = series_start.area_code
        and series.indicator_id = series_start.indicator_id
    left join series as first_year
        on series_start.area_code = first_year.area_code
        and series_start.indicator_id = first_year.indicator_id
        and series_start.start_year = first_year.start_year

),

changes as (

    select
        windowed.*,
        case
            when not windowed.has_break and not coalesce(windowed.previous_has_break, false)
                then windowed.value - windowed.previous_value
        end as change_on_previous_year,
        case
            when
                not windowed.has_break
                and not coalesce(windowed.previous_has_break, false)
                and windowed.previous_value != 0
                then 100 * (windowed.value - windowed.previous_value) / abs(windowed.previous_value)
        end as change_on_previous_year_pct,
        case
            when not windowed.break_since_start
                then windowed.value - windowed.series_start_value
        end as change_since_start,
        case
            when not windowed.break_since_start and windowed.series_start_value != 0
                then
                    100 * (windowed.value - windowed.series_start_value)
                    / abs(windowed.series_start_value)
        end as change_since_start_pct,
        case
            when
                not windowed.has_break
                and not coalesce(windowed.previous_has_break, false)
                and not coalesce(windowed.before_previous_has_break, false)
                then (windowed.value + windowed.previous_value + windowed.before_previous_value) / 3
        end as rolling_mean_3yr,
        indicators.unit,
        indicators.polarity,
        thresholds.threshold_basis,
        thresholds.threshold
    from windowed
    inner join indicators
        on windowed.indicator_id = indicators.indicator_id
    left join thresholds
        on indicators.unit = thresholds.unit

),

directed as (

    select
        changes.*,
        case
            when changes.polarity not in ('higher_is_better', 'lower_is_better') then null
            when changes.change_on_previous_year is null then null
            when
                changes.threshold_basis = 'absolute'
                and abs(changes.change_on_previous_year) <= changes.threshold
                then 'no clear change'
            when
                changes.threshold_basis = 'relative_pct'
                and abs(changes.change_on_previous_year)
                <= changes.threshold / 100 * abs(changes.previous_value)
                then 'no clear change'
            when (changes.change_on_previous_year > 0) = (changes.polarity = 'higher_is_better')
                then 'improving'
            else 'worsening'
        end as direction
    from changes

)

select
    area_code,
    area_name,
    financial_year,
    indicator_id,
    value,
    marker,
    polarity,
    unit,
    previous_year,
    previous_value,
    change_on_previous_year,
    change_on_previous_year_pct,
    series_start_year,
    series_start_value,
    change_since_start,
    change_since_start_pct,
    rolling_mean_3yr,
    threshold_basis as direction_threshold_basis,
    threshold as direction_threshold,
    direction,
    pandemic_year,
    coalesce(pandemic_year or previous_pandemic_year, false) as change_involves_pandemic_year
from directed
