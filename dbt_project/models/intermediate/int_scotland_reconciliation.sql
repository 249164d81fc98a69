{#- Does each partner's own Scotland row agree with the sum of its areas?

    One row per source x financial year x count measure where the partner's
    current Scotland row and at least one current area value exist. Only
    current values are compared (int_partner_values_versioned.is_current).

      all 32 areas have a number  -> reconciles when Scotland = sum of areas
      some area suppressed/missing -> reconciles when Scotland >= sum of areas
                                      (the Scotland row includes suppressed areas)
      Scotland row has no number  -> 'not checked' (nothing to compare)

    A mismatch is a warning for the CJS data team (dbt test severity warn),
    never a block: the partner's Scotland row stays the national figure.

    Measures whose Scotland row is not the sum of the council areas by
    definition are not compared (partner_measures.reconciles_with_areas =
    false): offenders in a reconviction cohort (Scotland's "All" row includes
    offenders whose area is Other or Unknown, about 8,000 of 36,700 in the
    2017-18 cohort) and population of all ages (each area and Scotland are
    rounded to the nearest hundred independently, so they need not add up). -#}

with

current_values as (

    select * from {{ ref('int_partner_values_versioned') }}
    where is_current

),

count_measures as (

    select source as partner_source, measure
    from {{ ref('partner_measures') }}
    where unit = 'count' and not scotland_only and reconciles_with_areas

),

local_areas as (

    select area_code from {{ ref('areas') }}
    where area_type = 'local_authority'

),

area_sums as (

    select
        current_values.partner_source,
        current_values.financial_year,
        current_values.measure,
        sum(current_values.value) as area_sum,
        count(current_values.value) as areas_with_value,
        count(*) - count(current_values.value) as areas_with_marker_only
    from current_values
    inner join local_areas
        on current_values.area_code = local_areas.area_code
    group by 1, 2, 3

),

scotland_rows as (

    select
        partner_source,
        financial_year,
        measure,
        value as scotland_value,
        marker as scotland_marker,
        submission_id as scotland_submission_id,
        file_name as scotland_file_name,
        source_sheet as scotland_sheet,
        source_cell as scotland_cell
    from current_values
    where area_code = 'S92000003'

),

compared as (

    select
        scotland_rows.partner_source,
        scotland_rows.financial_year,
        scotland_rows.measure,
        scotland_rows.scotland_value,
        scotland_rows.scotland_marker,
        area_sums.area_sum,
        area_sums.areas_with_value,
        (select count(*) from local_areas) - area_sums.areas_with_value as areas_without_value,
        scotland_rows.scotland_value - area_sums.area_sum as difference,
        scotland_rows.scotland_submission_id,
        scotland_rows.scotland_file_name,
        scotland_rows.scotland_sheet,
        scotland_rows.scotland_cell
    from scotland_rows
    inner join count_measures
        on scotland_rows.partner_source = count_measures.partner_source
        and scotland_rows.measure = count_measures.measure
    inner join area_sums
        on scotland_rows.partner_source = area_sums.partner_source
        and scotland_rows.financial_year = area_sums.financial_year
        and scotland_rows.measure = area_sums.measure

)

select
    *,
    case
        when scotland_value is null then 'not checked'
        when areas_without_value = 0 and abs(difference) < 1e-9 then 'reconciles'
        when areas_without_value > 0 and difference > -1e-9 then 'reconciles'
        else 'mismatch'
    end as reconciliation_status,
    case
        when areas_without_value = 0 then 'Scotland = sum of all 32 areas'
        else 'Scotland >= sum of ' || areas_with_value || ' areas (' || areas_without_value
            || ' suppressed or missing)'
    end as rule_applied
from compared
