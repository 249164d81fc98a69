{#- Tables and views built in place, in one transaction: `create or replace`, then commit.

    dbt-duckdb's own `table` and dbt's `view` build each relation under a temporary name,
    rename the old one to a backup, rename the new one into place, commit and drop the
    backup: four statements and three more macro calls per model, each macro call
    rebuilding dbt's whole Jinja context. DuckDB replaces a relation inside a transaction,
    so one statement gives the same result with the same guarantee (readers and a killed
    build see the old relation or the new one, never neither), and no temporary or backup
    relation is ever left behind.

    What the adapter's versions also do and this project does not use (so it is refused
    rather than silently skipped): enforced contracts, hooks, grants, persisted docs,
    indexes, DuckLake partitioning. -#}

{% macro cj_refuse_unsupported_config() %}
  {%- set contract = config.get('contract') -%}
  {%- set unsupported = [] -%}
  {%- if contract and contract.enforced %}{% do unsupported.append('contract') %}{% endif -%}
  {%- for key in ['pre_hook', 'post_hook', 'grants', 'indexes', 'partitioned_by', 'sorted_by', 'sql_header'] -%}
    {%- if config.get(key) %}{% do unsupported.append(key) %}{% endif -%}
  {%- endfor -%}
  {%- set docs = config.get('persist_docs') or {} -%}
  {%- if docs.get('relation') or docs.get('columns') %}{% do unsupported.append('persist_docs') %}{% endif -%}
  {%- if unsupported -%}
    {{ exceptions.raise_compiler_error(
      "Model " ~ model.name ~ " sets " ~ (unsupported | join(", ")) ~ ", which the project's table and view"
      ~ " materializations (macros/materializations.sql) do not support."
    ) }}
  {%- endif -%}
{% endmacro %}

{% macro cj_replace_relation(relation_type) %}
  {{ cj_refuse_unsupported_config() }}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type=relation_type) -%}
  {#- A relation of the other type under this name (a model switched between view and
      table) cannot be replaced by `create or replace`: drop it in the same transaction. -#}
  {%- if existing_relation is not none and existing_relation.type != relation_type -%}
    {% do adapter.drop_relation(existing_relation) %}
  {%- endif -%}
  {% call statement('main') -%}
    create or replace {{ relation_type }} {{ target_relation }} as (
      {{ sql }}
    );
  {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [target_relation]}) }}
{% endmacro %}

{% materialization table, adapter='duckdb' %}
  {{ return(cj_replace_relation('table')) }}
{% endmaterialization %}

{% materialization view, adapter='duckdb' %}
  {{ return(cj_replace_relation('view')) }}
{% endmaterialization %}
