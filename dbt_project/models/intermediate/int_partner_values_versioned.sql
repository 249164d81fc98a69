{#- Every partner value ever received, with which version is current.
    A later file wins for each source x area x year x measure (docs/data-contract.md
    section 3); earlier versions stay here with is_current = false. -#}
{% set partner_sources = [
    'jsws', 'police_custody', 'phs_treatment', 'homelessness',
    'employability', 'criminal_proceedings', 'population', 'scjs',
    'recorded_crime', 'reconvictions'
] %}

with

unioned as (

    {% for partner_source in partner_sources %}
        select
            '{{ partner_source }}' as partner_source,
            *
        from {{ ref('stg_' ~ partner_source ~ '__values') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

submissions as (

    select * from {{ ref('stg_intake__submissions') }}

),

versioned as (

    select
        unioned.partner_source,
        unioned.area_code,
        unioned.financial_year,
        unioned.measure,
        unioned.value,
        unioned.marker,
        unioned.submission_id,
        submissions.file_name,
        submissions.sha256,
        submissions.received_at,
        submissions.arrival_seq,
        unioned.source_sheet,
        unioned.source_cell,
        unioned.source_text,
        unioned.source_recipe,
        row_number() over (
            partition by
                unioned.partner_source,
                unioned.area_code,
                unioned.financial_year,
                unioned.measure
            order by submissions.arrival_seq desc
        ) = 1 as is_current
    from unioned
    inner join submissions
        on unioned.submission_id = submissions.submission_id

)

select * from versioned
