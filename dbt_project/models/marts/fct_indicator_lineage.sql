{#- Where every figure of fct_indicator_values came from: one row per indicator
    value x input role (numerator, and denominator for ratios), naming the
    measure, the input value, the file (name, sha256 = its archive object), the
    sheet and cell it was read from, when it arrived, and whether it superseded
    an earlier version of the same value. Inputs that no single cell holds
    (disposals_total, Scotland summed from the areas) carry no file and say how
    they were made in `derivation`; counts derived from one published figure
    (reconvicted_offenders from a reconviction rate) name that figure's file,
    sheet and cell and say how in `derivation`. Read by `cj-pipeline explain`. -#}

with

indicator_values as (

    select * from {{ ref('fct_indicator_values') }}

),

indicators as (

    select indicator_id, method, numerator_measure, denominator_measure
    from {{ ref('indicators') }}

),

measures as (

    select * from {{ ref('int_measures_with_scotland') }}

),

submissions as (

    select * from {{ ref('stg_intake__submissions') }}

),

roles as (

    select
        indicator_values.*,
        'numerator' as input_role,
        indicators.numerator_measure as measure
    from indicator_values
    inner join indicators
        on indicator_values.indicator_id = indicators.indicator_id

    union all

    select
        indicator_values.*,
        'denominator' as input_role,
        indicators.denominator_measure as measure
    from indicator_values
    inner join indicators
        on indicator_values.indicator_id = indicators.indicator_id
    where indicators.denominator_measure is not null

),

-- every version of every cell-backed input: partner values and local measures
partner_versions as (

    select
        partner_source,
        area_code,
        financial_year,
        measure,
        submission_id,
        value,
        marker,
        source_text,
        arrival_seq
    from {{ ref('int_partner_values_versioned') }}

),

return_versions as (

    select
        submission_id,
        arrival_seq
    from {{ ref('int_returns_versioned') }}

),

local_versions as (

    select
        'local_return' as partner_source,
        measures.area_code,
        measures.financial_year,
        measures.measure_id || '_numerator' as measure,
        measures.submission_id,
        measures.numerator as value,
        measures.numerator_marker as marker,
        measures.numerator_text as source_text,
        return_versions.arrival_seq
    from {{ ref('stg_returns__measures') }} as measures
    inner join return_versions
        on measures.submission_id = return_versions.submission_id

    union all

    select
        'local_return' as partner_source,
        measures.area_code,
        measures.financial_year,
        measures.measure_id || '_denominator' as measure,
        measures.submission_id,
        measures.denominator as value,
        measures.denominator_marker as marker,
        measures.denominator_text as source_text,
        return_versions.arrival_seq
    from {{ ref('stg_returns__measures') }} as measures
    inner join return_versions
        on measures.submission_id = return_versions.submission_id

),

versions as (

    select
        *,
        lag(submission_id) over by_key as superseded_submission_id,
        lag(value) over by_key as superseded_value,
        lag(marker) over by_key as superseded_marker
    from (
        select * from partner_versions
        union all
        select * from local_versions
    ) as all_versions
    window by_key as (
        partition by partner_source, area_code, financial_year, measure
        order by arrival_seq
    )

)

select
    roles.area_code,
    roles.area_name,
    roles.financial_year,
    roles.indicator_id,
    roles.value,
    roles.numerator,
    roles.denominator,
    roles.marker,
    roles.input_role,
    roles.measure,
    measures.value as input_value,
    measures.marker as input_marker,
    measures.partner_source as input_source,
    measures.submission_id,
    submissions.file_name,
    submissions.sha256,
    measures.source_sheet,
    measures.source_cell,
    versions.source_text,
    submissions.received_at,
    coalesce(versions.superseded_submission_id is not null, false) as supersedes_earlier,
    versions.superseded_submission_id,
    versions.superseded_value,
    versions.superseded_marker,
    case
        when measures.measure is null then null
        when measures.scotland_basis like 'sum of %' and roles.measure = 'disposals_total'
            then measures.scotland_basis || ', each the sum of 4 disposal groups'
        when measures.scotland_basis like 'sum of %'
            then measures.scotland_basis
        when roles.measure = 'disposals_total'
            then 'sum of 4 disposal groups (custody, community, financial, other)'
        when roles.measure = 'reconvicted_offenders'
            then 'reconviction_rate (the cell named) x offenders / 100: the number reconvicted'
        when roles.measure = 'reconvictions_count'
            then 'reconvictions_per_offender (the cell named) x offenders: '
                || 'the number of reconvictions'
    end as derivation
from roles
left join measures
    on roles.area_code = measures.area_code
    and roles.financial_year = measures.financial_year
    and roles.measure = measures.measure
left join submissions
    on measures.submission_id = submissions.submission_id
left join versions
    on measures.partner_source = versions.partner_source
    and measures.area_code = versions.area_code
    and measures.financial_year = versions.financial_year
    and measures.measure = versions.measure
    and measures.submission_id = versions.submission_id
