{#- Every indicator for every area and Scotland and every year with data,
    computed from the indicator catalogue (data/seeds/indicators.csv); a year a
    source does not cover (data/seeds/partner_source_years.csv) is [z]:

      count   value = numerator measure
      direct  value = the published figure (e.g. a survey percentage)
      ratio   value = multiplier * numerator / denominator (ratio of sums at
              Scotland, because Scotland's inputs are totals)

    Full precision; rounding happens only at publication. A value that cannot
    be computed is NULL with the reason in marker. Lineage of both inputs is
    kept for explain and the lineage view. -#}

with

indicators as (

    select * from {{ ref('indicators') }}

),

areas as (

    select area_code, area_name, area_type from {{ ref('areas') }}

),

measures as (

    select * from {{ ref('int_measures_with_scotland') }}

),

years as (

    select distinct financial_year from measures

),

-- Sources published less often than yearly, and the years they cover: another year is
-- [z] (not applicable) for their indicators, never [x] (missing).
source_years as (

    select source, financial_year from {{ ref('partner_source_years') }}

),

grid as (

    select
        areas.area_code,
        areas.area_name,
        years.financial_year,
        indicators.*
    from indicators
    cross join areas
    cross join years
    where not indicators.scotland_only or areas.area_type = 'country'

),

joined as (

    select
        grid.area_code,
        grid.area_name,
        grid.financial_year,
        grid.indicator_id,
        grid.method,
        grid.multiplier,
        num.value as numerator_value,
        case
            when
                num.value is null and num.marker is null
                and grid.source in (select source_years.source from source_years)
                and not exists (
                    select 1 from source_years
                    where
                        source_years.source = grid.source
                        and source_years.financial_year = grid.financial_year
                )
                then '[z]'
            else num.marker
        end as numerator_marker,
        den.value as denominator_value,
        den.marker as denominator_marker,
        num.partner_source as numerator_source,
        num.submission_id as numerator_submission_id,
        num.source_sheet as numerator_sheet,
        num.source_cell as numerator_cell,
        den.partner_source as denominator_source,
        den.submission_id as denominator_submission_id,
        den.source_sheet as denominator_sheet,
        den.source_cell as denominator_cell,
        coalesce(num.scotland_basis, den.scotland_basis) as scotland_basis
    from grid
    left join measures as num
        on grid.area_code = num.area_code
        and grid.financial_year = num.financial_year
        and grid.numerator_measure = num.measure
    left join measures as den
        on grid.area_code = den.area_code
        and grid.financial_year = den.financial_year
        and grid.denominator_measure = den.measure

),

computed as (

    select
        *,
        case
            when method in ('count', 'direct') then numerator_value
            when denominator_value = 0 then null
            else multiplier * numerator_value / denominator_value
        end as value,
        case
            when method in ('count', 'direct')
                then coalesce(
                        {{ null_reason(['numerator_value'], ['numerator_marker']) }},
                        numerator_marker
                    )
            when numerator_value is not null and denominator_value = 0 then '[z]'
            else coalesce(
                {{ null_reason(
                    ['numerator_value', 'denominator_value'],
                    ['numerator_marker', 'denominator_marker']
                ) }},
                    {{ merge_markers(['numerator_marker', 'denominator_marker']) }}
                )
        end as marker
    from joined

)

select
    area_code,
    area_name,
    financial_year,
    indicator_id,
    value,
    case when method = 'direct' then null else numerator_value end as numerator,
    case when method = 'ratio' then denominator_value end as denominator,
    marker,
    numerator_source,
    numerator_submission_id,
    numerator_sheet,
    numerator_cell,
    denominator_source,
    denominator_submission_id,
    denominator_sheet,
    denominator_cell,
    scotland_basis
from computed
