{#- Every value a national partner's publication gave, current and superseded,
    with its lineage to the publication's own file, sheet and cell. One row per
    source x area x financial year x measure x submission; is_current marks the
    version in use (the later arrival wins, return-spec section 3). Years before
    the reporting window of the financial_years seed are kept here as published;
    only the seed's years feed the indicators. -#}

select
    partner_source as source,
    area_code,
    financial_year,
    measure,
    value,
    marker,
    file_name,
    sha256,
    source_sheet as sheet,
    source_cell as cell,
    source_recipe as recipe,
    source_text,
    submission_id,
    received_at,
    is_current
from {{ ref('int_partner_values_versioned') }}
