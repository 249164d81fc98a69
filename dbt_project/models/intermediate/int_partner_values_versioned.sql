{#- Every partner value ever received, with which version is current.
    A later file wins for each source x area x year x measure (docs/data-contract.md
    section 3); earlier versions stay here with is_current = false. Every source
    comes through the one staging model (no list of sources here). -#}
with

partner_values as (

    select * from {{ ref('stg_partners__values') }}

),

submissions as (

    select * from {{ ref('stg_intake__submissions') }}

),

versioned as (

    select
        partner_values.partner_source,
        partner_values.area_code,
        partner_values.financial_year,
        partner_values.measure,
        partner_values.value,
        partner_values.marker,
        partner_values.submission_id,
        submissions.file_name,
        submissions.sha256,
        submissions.received_at,
        submissions.arrival_seq,
        partner_values.source_sheet,
        partner_values.source_cell,
        partner_values.source_text,
        partner_values.source_recipe,
        row_number() over (
            partition by
                partner_values.partner_source,
                partner_values.area_code,
                partner_values.financial_year,
                partner_values.measure
            order by submissions.arrival_seq desc
        ) = 1 as is_current
    from partner_values
    inner join submissions
        on partner_values.submission_id = submissions.submission_id

)

select * from versioned
