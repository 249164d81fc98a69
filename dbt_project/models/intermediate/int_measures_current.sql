{#- The current value of every measure for each area (and each partner's own
    Scotland row), plus measures derived from others (disposals_total,
    reconvicted_offenders, reconvictions_count), plus the local measures of
    each area's current return (partner_source 'local_return', from
    int_local_measures_current).

    Only the reporting years of the financial_years seed: publications carry
    history from before it (kept in fct_partner_values), which no indicator
    reports on.

    Reconvictions are published per area as a rate and an average per
    offender. They are turned back into counts (the number reconvicted, the
    number of reconvictions) so that every total built from areas (a
    comparator group, Scotland summed when no Scotland row came) is a ratio of
    sums, never a mean of rates. A derived count keeps the sheet and cell of
    the published figure it comes from, and that figure's marker. -#}

with

current_values as (

    select
        area_code,
        financial_year,
        measure,
        value,
        marker,
        partner_source,
        submission_id,
        source_sheet,
        source_cell
    from {{ ref('int_partner_values_versioned') }}
    where
        is_current
        and financial_year in (
            select years.financial_year from {{ ref('financial_years') }} as years
        )

),

disposals as (

    select
        area_code,
        financial_year,
        max(case when measure = 'disposals_custody' then value end) as custody_value,
        max(case when measure = 'disposals_community' then value end) as community_value,
        max(case when measure = 'disposals_financial' then value end) as financial_value,
        max(case when measure = 'disposals_other' then value end) as other_value,
        max(case when measure = 'disposals_custody' then marker end) as custody_marker,
        max(case when measure = 'disposals_community' then marker end) as community_marker,
        max(case when measure = 'disposals_financial' then marker end) as financial_marker,
        max(case when measure = 'disposals_other' then marker end) as other_marker
    from current_values
    where measure like 'disposals_%'
    group by area_code, financial_year

),

disposals_total as (

    select
        area_code,
        financial_year,
        'disposals_total' as measure,
        custody_value + community_value + financial_value + other_value as value,
        coalesce(
            {{ null_reason(
                ['custody_value', 'community_value', 'financial_value', 'other_value'],
                ['custody_marker', 'community_marker', 'financial_marker', 'other_marker']
            ) }},
            {{ merge_markers(
                ['custody_marker', 'community_marker', 'financial_marker', 'other_marker']
            ) }}
        ) as marker,
        'criminal_proceedings' as partner_source,
        cast(null as varchar) as submission_id,
        cast(null as varchar) as source_sheet,
        cast(null as varchar) as source_cell
    from disposals

),

reconvictions as (

    select
        per_offender.area_code,
        per_offender.financial_year,
        per_offender.measure,
        offenders.value as offenders_value,
        offenders.marker as offenders_marker,
        per_offender.value as published_value,
        per_offender.marker as published_marker,
        per_offender.submission_id,
        per_offender.source_sheet,
        per_offender.source_cell
    from current_values as per_offender
    inner join current_values as offenders
        on per_offender.area_code = offenders.area_code
        and per_offender.financial_year = offenders.financial_year
        and offenders.partner_source = 'reconvictions'
        and offenders.measure = 'offenders'
    where
        per_offender.partner_source = 'reconvictions'
        and per_offender.measure in ('reconviction_rate', 'reconvictions_per_offender')

),

reconviction_counts as (

    select
        area_code,
        financial_year,
        case measure
            when 'reconviction_rate' then 'reconvicted_offenders'
            else 'reconvictions_count'
        end as measure,
        published_value * offenders_value
        / case measure when 'reconviction_rate' then 100 else 1 end as value,
        coalesce(
            {{ null_reason(
                ['published_value', 'offenders_value'], ['published_marker', 'offenders_marker']
            ) }},
            {{ merge_markers(['published_marker', 'offenders_marker']) }}
        ) as marker,
        'reconvictions' as partner_source,
        submission_id,
        source_sheet,
        source_cell
    from reconvictions

)

select * from current_values
union all
select * from disposals_total
union all
select * from reconviction_counts
union all
select * from {{ ref('int_local_measures_current') }}
