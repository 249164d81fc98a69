{#- Marker arithmetic, in one place (GSS shorthand, docs/domain.md).

    A marker that replaces a number ([c], [x], [z], [low]) makes a derived value
    NULL and carries the strongest reason: suppressed beats missing beats not
    applicable. Markers that qualify a number ([p], [r], [e], [u], [b]) travel
    with the derived value, merged and de-duplicated. -#}

{% macro merge_markers(markers) -%}
    nullif(
        array_to_string(
            list_sort(list_distinct(string_split(concat_ws(' ', {{ markers | join(', ') }}), ' '))),
            ' '
        ),
        ''
    )
{%- endmacro %}

{% macro null_reason(values, markers) -%}
    {#- Why a value built from these inputs is NULL ([c] > [x] > [z] > [low]),
        or NULL when every input has a value. -#}
    case
        {% for marker in markers -%}
        when {{ marker }} like '%[c]%' then '[c]'
        {% endfor -%}
        {% for value in values -%}
        when {{ value }} is null and coalesce({{ markers[loop.index0] }}, '') not in ('[z]', '[low]') then '[x]'
        {% endfor -%}
        {% for marker in markers -%}
        when {{ values[loop.index0] }} is null and {{ marker }} = '[z]' then '[z]'
        {% endfor -%}
        {% for marker in markers -%}
        when {{ values[loop.index0] }} is null and {{ marker }} = '[low]' then '[low]'
        {% endfor -%}
    end
{%- endmacro %}
