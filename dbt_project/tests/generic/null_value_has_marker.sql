{#- A NULL value must say why: rows with neither a value nor a marker. -#}
{% test null_value_has_marker(model, column_name, marker_column='marker') %}
select *
from {{ model }}
where {{ column_name }} is null and {{ marker_column }} is null
{% endtest %}
