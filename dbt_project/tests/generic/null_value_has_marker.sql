{#- A value must be a real number or say why it is not: rows with neither a value nor a
    marker, and rows whose value is not finite (infinity or NaN from arithmetic on huge
    inputs) fail. -#}
{% test null_value_has_marker(model, column_name, marker_column='marker') %}
select *
from {{ model }}
where ({{ column_name }} is null and {{ marker_column }} is null)
   or not isfinite(cast({{ column_name }} as double))
{% endtest %}
