"""The forms a service owner fills in for the components a service runs on (the assessment has its
own pages, assessment_pages.py).
A form with errors is shown again with the GOV.UK error summary, and nothing is stored."""

from __future__ import annotations

import urllib.parse

from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import Conflict, Forbidden, Invalid
from chalicelib.domain.etags import component_etag
from chalicelib.domain.lockin import COMPONENT_RULES, describe_rule
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.domain.text import slug_for
from chalicelib.edge import presenters
from chalicelib.edge.http import PATH_PATTERNS
from chalicelib.web import forms, session
from chalicelib.web.page import common, go, html, may_edit, page


@page("/app/orgs/{org_id}/services/{service_id}/new-component", ("GET", "POST"))
def new_component(principal, request, org_id, service_id):
    return _component_page(principal, request, org_id, service_id, None)


@page("/app/orgs/{org_id}/services/{service_id}/components/{component_id}", ("GET", "POST"))
def edit_component(principal, request, org_id, service_id, component_id):
    return _component_page(principal, request, org_id, service_id, component_id)


def _new_component_id_errors(chosen: str) -> dict[str, list[str]]:
    """What is wrong with a new component's name on its face; a name already taken is
    ComponentService.put's Conflict (create_only), without a read of its own."""
    if not chosen:
        return {"component_id": [forms.MISSING[0]]}
    if not PATH_PATTERNS["component_id"].match(chosen):
        return {"component_id": ["use lower-case letters, digits and hyphens only, such as case-management"]}
    return {}


def _component_page(principal, request, org_id, service_id, component_id):
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    if not may_edit(principal, org_id, svc.owner_email):
        raise Forbidden("Only the service's owner or an administrator can change its components.")
    existing = uc.components.get(principal, org_id, service_id, component_id) if component_id else None
    framework = uc.context.current_framework
    errors: dict = {}
    if request.method == "POST":
        values = request.form
        chosen = component_id or (values.get("component_id") or "").strip()
        if not chosen and (values.get("product") or "").strip():
            # Left blank: the product's name, made a short name not yet taken in this service.
            taken = {c.component_id for c in uc.components.list(principal, org_id, service_id)}
            chosen = slug_for(values["product"], taken)
        body, errors = forms.component_body(values)
        if component_id is None:
            errors.update(_new_component_id_errors(chosen))
        spec, problems = forms.read_component(body)
        errors.update(problems)
        # An edit replaces only the version the form was made from (a missing etag matches none).
        etag = values.get("etag") if component_id else None
        version = Preconditions.matching(etag or "") if component_id else NONE
        if not errors:
            try:
                uc.components.put(
                    principal, org_id, service_id, chosen, spec, version, create_only=component_id is None
                )
                flash = session.flash_cookie("component-saved", f"{service_id}/{chosen}")
                aside = forms.set_aside(values)
                query = f"?{urllib.parse.urlencode({'set_aside': ','.join(aside)})}" if aside else ""
                return go(f"/app/orgs/{org_id}/services/{service_id}{query}#components", cookies=[flash])
            except Conflict as conflict:
                errors = {"component_id": [conflict.detail]}
            except Invalid as invalid:
                errors = invalid.errors or {"component_id": [invalid.detail]}
    else:
        values = forms.component_values(presenters.component(existing, [])) if existing else {}
        etag = component_etag(existing) if existing else None
    return html(
        "component_form.html",
        422 if errors else 200,
        title=f"{'Change' if existing else 'Add'} a component of {svc.name}",
        service=presenters.service(svc),
        component_id=component_id,
        existing=presenters.component(existing, []) if existing else None,
        etag=etag,
        values=values,
        export_formats=framework.export_formats,
        rules=framework.lock_in.rules,
        # What each question looks for, in general words with the catalogue's thresholds.
        rule_hints={code: describe_rule(framework.lock_in, code) for code in COMPONENT_RULES},
        errors=forms.error_list(errors, forms.COMPONENT_FIELDS),
        field_errors=forms.field_errors(errors, forms.COMPONENT_FIELDS),
        options_by_field=forms.COMPONENT_OPTIONS,
        **common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/services/{service_id}/components/{component_id}/remove", ("GET", "POST"))
def remove_component(principal, request, org_id, service_id, component_id):
    """Ask before removing a component; the POST removes only the version the page showed."""
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    if not may_edit(principal, org_id, svc.owner_email):
        raise Forbidden("Only the service's owner or an administrator can remove its components.")
    existing = uc.components.get(principal, org_id, service_id, component_id)
    if request.method == "POST":
        uc.components.delete(principal, org_id, service_id, component_id, Preconditions.matching(request.form.get("etag") or ""))
        flash = session.flash_cookie("component-removed", service_id)
        return go(f"/app/orgs/{org_id}/services/{service_id}#components", cookies=[flash])
    return html(
        "remove_component.html",
        title=f"Remove {existing.spec.supplier} {existing.spec.product} from {svc.name}",
        service=presenters.service(svc),
        component=presenters.component(existing, uc.components.flags(existing)),
        etag=component_etag(existing),
        **common(principal, request, org_id),
    )
