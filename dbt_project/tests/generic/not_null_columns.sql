{#- The listed columns are never NULL: one test per model instead of one per column.
    Each failing row names the column and how many rows are NULL in it. (dbt runs every
    test as its own node with ~0.2 s of overhead; per-column not_null tests were half of
    the whole build.) -#}
{% test not_null_columns(model, column_names) %}
{% for column_name in column_names %}
select '{{ column_name }}' as null_column, count(*) as null_rows
from {{ model }}
where {{ column_name }} is null
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
