"""The template sandbox: only the documented variables and a short list of tags, checked when compiled."""

import pytest

from messaging import templating


@pytest.mark.parametrize(
    "source",
    [
        "{% debug %}",
        "{% load static %}",
        "{% include 'admin/base.html' %}",
        "{% extends 'admin/base.html' %}",
        "{% url 'admin:index' %}",
        "{% csrf_token %}",
        "{% lorem %}",
    ],
)
def test_tags_outside_the_sandbox_are_syntax_errors(source):
    with pytest.raises(templating.TemplateInvalid, match="Allowed tags"):
        templating.compile_template(source)


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("{{ settings.SECRET_KEY }}", "settings"),
        ("{{ customer.delete }}", "customer.delete"),
        ("{{ customer.name.upper }}", "customer.name.upper"),
        ("{{ order.total.as_integer_ratio }}", "order.total.as_integer_ratio"),
        ("{{ order.items.0.product.delete }}", "order.items.0.product"),
        ("{% for item in order.items %}{{ item.customer }}{% endfor %}", "item.customer"),
        ("{% with c=customer %}{{ c.password }}{% endwith %}", "c.password"),
        ("{% if request.user %}x{% endif %}", "request"),
        ("{{ customer.name|default:view.kwargs }}", "view"),
        ("{% firstof account.owner customer.name %}", "account.owner"),
    ],
)
def test_variables_outside_the_context_are_refused_with_their_path(source, path):
    with pytest.raises(templating.TemplateInvalid) as refused:
        templating.compile_template(source)
    assert str(refused.value) == f"Unknown variable: {path}"


def test_underscore_attributes_are_refused():
    with pytest.raises(templating.TemplateInvalid, match="underscores"):
        templating.compile_template("{{ customer.__class__ }}")


def test_the_documented_variables_render_with_loops_conditions_and_filters():
    source = (
        "{{ customer.first_name }}: {% for item in order.items %}{{ forloop.counter }}. {{ item.quantity }} × "
        "{{ item.product_name }}{% endfor %}{% if order.total > 1000 %} (free shipping){% endif %} "
        "{{ order.total|floatformat:2 }} {{ order.created_at|date:'Y-m-d' }} {{ account.name }}"
    )
    context = {**templating.SAMPLE, "account": {"name": "<Smith & Co>"}}
    assert templating.render(source, context) == (
        "Jane: 1. 1 × Laptop (free shipping) 1099.98 2024-01-15 &lt;Smith &amp; Co&gt;"
    )
    assert templating.render("{{ account.name }}", context, autoescape=False) == "<Smith & Co>"


def test_compiled_templates_list_the_paths_they_read():
    compiled = templating.compile_template(
        "{{ customer.name }}{% for item in order.items %}{{ item.sku }}{% endfor %}{{ order.items.0.sku }}"
    )
    assert compiled.paths == {"customer.name", "order.items", "order.items.sku"}
    assert (
        templating.missing_paths(compiled.paths, {"customer": {"name": "J"}, "order": {"items": [{"sku": "A"}]}}) == []
    )
    assert templating.missing_paths(compiled.paths, {"order": {"items": [{}]}}) == ["customer.name", "order.items.sku"]


def test_context_data_is_made_plain():
    class Model:
        def delete(self):
            raise AssertionError("never called")

    assert templating.plain({"a": [Model()], "b": (1, 2)})["b"] == [1, 2]
    assert isinstance(templating.plain({"a": [Model()]})["a"][0], str)
