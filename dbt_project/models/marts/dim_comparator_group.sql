{#- The comparator (family) group of each of the 32 areas that the benchmark
    uses, from the scheme chosen by the setting CJ_COMPARATOR_GROUPS:

      lgbf_deprivation   (default) the official LGBF family groups of people
                         services (social work, housing, children), by
                         deprivation: seed lgbf_family_groups
      lgbf_rurality      the official LGBF family groups of other services, by
                         rurality and population density: seed lgbf_family_groups
      cjs_approximation  our own approximation (4 groups of 8 by deprivation and
                         rurality): seed comparator_groups

    Justice social work is a people service, so the deprivation groups are the
    default. Publication reads the groups from this model (lib/publish/release.py),
    so it uses the scheme of the last build. After changing the setting run
    `cj-pipeline run --full`. -#}

{%- set scheme = env_var('CJ_COMPARATOR_GROUPS', 'lgbf_deprivation') -%}
{%- set schemes = ['lgbf_deprivation', 'lgbf_rurality', 'cjs_approximation'] -%}
{%- if scheme not in schemes -%}
    {{ exceptions.raise_compiler_error(
        "CJ_COMPARATOR_GROUPS is '" ~ scheme ~ "'; it must be one of: " ~ schemes | join(', ')
    ) }}
{%- endif %}

with

lgbf as (

    select * from {{ ref('lgbf_family_groups') }}

),

own as (

    select * from {{ ref('comparator_groups') }}

),

lgbf_deprivation as (

    select
        area_code,
        'lgbf_deprivation_'
        || case deprivation_family_group
            when 'Least Deprived' then '1_least_deprived'
            when 'Most Deprived' then '4_most_deprived'
            else deprivation_family_group
        end as comparator_group,
        'LGBF family group, people services (by deprivation): '
        || deprivation_family_group as group_basis
    from lgbf

),

lgbf_rurality as (

    select
        area_code,
        'lgbf_rurality_'
        || case rurality_family_group
            when 'Urban' then '1_urban'
            when 'Rural' then '4_rural'
            else rurality_family_group
        end as comparator_group,
        'LGBF family group, other services (by rurality and population density): '
        || rurality_family_group as group_basis
    from lgbf

),

-- One scheme's rows: plain SQL filters rather than jinja branches, so every CTE is used
-- (and linted) whichever scheme is set.
chosen as (

    select * from lgbf_deprivation
    where '{{ scheme }}' = 'lgbf_deprivation'
    union all
    select * from lgbf_rurality
    where '{{ scheme }}' = 'lgbf_rurality'
    union all
    select area_code, comparator_group, group_basis from own
    where '{{ scheme }}' = 'cjs_approximation'

)

select
    area_code,
    comparator_group,
    group_basis,
    '{{ scheme }}' as comparator_scheme
from chosen
