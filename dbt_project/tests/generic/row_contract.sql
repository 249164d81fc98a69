{#- Every row rule of one model in one test: one dbt node and one Dagster check per model
    instead of one per rule and column. dbt spends ~40 ms of Python per test node and
    Dagster stores several events per check, while the queries themselves take a few ms;
    with one test per rule the tests were three quarters of the build's nodes.

    Each failing rule is one row of the result: the rule, the column(s), what is wrong
    and how many rows (for `unique`, how many repeated values) break it. The rules mean
    exactly what dbt's and our single tests meant:
      not_null: [column, ...]                       never NULL
      unique: [column | [column, ...], ...]         a column (NULLs ignored, as dbt's
                                                    `unique`) or a combination (NULLs count)
                                                    holds each value once
      references: [{column, to, field}, ...]        every non-NULL value is in ref(to).field
      accepted_values: [{column, values}, ...]      every non-NULL value is one of `values`
      financial_year_format: [column, ...]          written as 2024-25 (NULL passes)
      in_range: [{column, min, max}, ...]           within the bounds given (NULL passes)
      value_has_marker: [{column, marker}, ...]     a NULL value has a marker, and a value
                                                    is finite -#}
{% test row_contract(model, not_null=[], unique=[], references=[], accepted_values=[], financial_year_format=[], in_range=[], value_has_marker=[]) %}
{%- set rules = [] -%}
{%- for column in not_null -%}
    {%- do rules.append(("not_null", column, "is empty (NULL)", column ~ " is null")) -%}
{%- endfor -%}
{%- for link in references -%}
    {%- set parent = ref(link["to"]) -%}
    {%- do rules.append((
        "references", link["column"], "not found in " ~ link["to"] ~ "." ~ link["field"],
        link["column"] ~ " is not null and " ~ link["column"] ~ " not in (select " ~ link["field"] ~ " from " ~ parent
        ~ " where " ~ link["field"] ~ " is not null)"
    )) -%}
{%- endfor -%}
{%- for accepted in accepted_values -%}
    {%- set quoted = [] -%}
    {%- for value in accepted["values"] -%}
        {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do rules.append((
        "accepted_values", accepted["column"], "is not one of " ~ (accepted["values"] | join(", ")),
        accepted["column"] ~ " not in (" ~ (quoted | join(", ")) ~ ")"
    )) -%}
{%- endfor -%}
{%- for column in financial_year_format -%}
    {%- do rules.append((
        "financial_year_format", column, "is not written as 2024-25",
        "not regexp_full_match(" ~ column ~ ", '[0-9]{4}-[0-9]{2}')"
    )) -%}
{%- endfor -%}
{%- for bounds in in_range -%}
    {%- set outside = ["false"] -%}
    {%- if bounds["min"] is not none %}{% do outside.append(bounds["column"] ~ " < " ~ bounds["min"]) %}{% endif -%}
    {%- if bounds["max"] is not none %}{% do outside.append(bounds["column"] ~ " > " ~ bounds["max"]) %}{% endif -%}
    {%- do rules.append((
        "in_range", bounds["column"], "is outside [" ~ (bounds["min"] if bounds["min"] is not none else "no limit") ~ ", " ~ (bounds["max"] if bounds["max"] is not none else "no limit") ~ "]",
        bounds["column"] ~ " is not null and (" ~ (outside | join(" or ")) ~ ")"
    )) -%}
{%- endfor -%}
{%- for pair in value_has_marker -%}
    {%- do rules.append((
        "value_has_marker", pair["column"], "is NULL without a marker in " ~ pair["marker"] ~ ", or not finite",
        "(" ~ pair["column"] ~ " is null and " ~ pair["marker"] ~ " is null) or not isfinite(cast(" ~ pair["column"] ~ " as double))"
    )) -%}
{%- endfor -%}
{%- set queries = [] -%}
{%- for rule, column, problem, condition in rules -%}
    {%- do queries.append(
        "select '" ~ rule ~ "' as rule, '" ~ column ~ "' as column_name, '" ~ (problem | replace("'", "''"))
        ~ "' as problem, count(*) as failures from " ~ model ~ " where " ~ condition ~ " having count(*) > 0"
    ) -%}
{%- endfor -%}
{%- for grain in unique -%}
    {%- set columns = [grain] if grain is string else grain -%}
    {%- set nulls_ignored = " where " ~ grain ~ " is not null" if grain is string else "" -%}
    {%- do queries.append(
        "select 'unique' as rule, '" ~ (columns | join(", ")) ~ "' as column_name, 'holds a value more than once'"
        ~ " as problem, count(*) as failures from (select " ~ (columns | join(", ")) ~ " from " ~ model
        ~ nulls_ignored ~ " group by " ~ (columns | join(", ")) ~ " having count(*) > 1) having count(*) > 0"
    ) -%}
{%- endfor -%}
{%- if queries -%}
{{ queries | join("\nunion all\n") }}
{%- else -%}
select null as rule, null as column_name, null as problem, 0 as failures where false
{%- endif %}
{% endtest %}
