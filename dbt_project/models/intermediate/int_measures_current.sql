{#- The current value of every measure for each area (and each partner's own
    Scotland row), plus measures derived from others (disposals_total), plus
    the local measures of each area's current return (partner_source
    'local_return', from int_local_measures_current). -#}

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
    where is_current

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

)

select * from current_values
union all
select * from disposals_total
union all
select * from {{ ref('int_local_measures_current') }}
