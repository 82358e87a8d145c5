# -*- coding: utf-8 -*-
"""Braze's fields, one table per kind of object: each field's normalizer, and whether its values
are personal data (masked in every log line). Braze's pages: api/objects_filters/user_attributes_object,
event_object, purchase_object; identifiers from api/endpoints/user_data/post_user_track.
"""
import collections

from . import braze_values as values

Field = collections.namedtuple('Field', 'normalize personal')


def _external_id(value):
    result = values.text(value) if isinstance(value, int) else value
    if not isinstance(result, str) or not result.strip():
        raise values.InvalidValue('must be non-empty text')
    result = result.strip()
    if len(result.encode('utf-8', 'surrogatepass')) > 987:
        raise values.InvalidValue('longer than 987 bytes')
    return result


def _alias(value):
    if not isinstance(value, dict) or set(value) != {'alias_name', 'alias_label'}:
        raise values.InvalidValue('must be {"alias_name": ..., "alias_label": ...}')
    return {part: values.text(value[part]) for part in ('alias_name', 'alias_label')}


# Primary identifiers first: Braze takes exactly one of them per object; email and phone identify
# a user only when no primary one is given (email wins over phone).
IDENTIFIERS = collections.OrderedDict([
    ('external_id', Field(_external_id, True)),
    ('user_alias', Field(_alias, True)),
    ('braze_id', Field(values.text, False)),
    ('email', Field(values.email, True)),
    ('phone', Field(values.phone, True)),
])
PRIMARY = ('external_id', 'user_alias', 'braze_id')

# Standard attributes. Anything else in "attributes" is a custom attribute (CUSTOM below).
ATTRIBUTES = {
    'first_name': Field(values.text, True),
    'last_name': Field(values.text, True),
    'email': IDENTIFIERS['email'],
    'phone': IDENTIFIERS['phone'],
    'dob': Field(values.dob, True),
    'home_city': Field(values.text, True),
    'gender': Field(values.gender, False),
    'country': Field(values.letters(2, str.upper), False),
    'language': Field(values.letters(2, str.lower), False),
    'time_zone': Field(values.text, False),
    'email_subscribe': Field(values.subscription_state, False),
    'push_subscribe': Field(values.subscription_state, False),
    'subscription_groups': Field(values.subscription_groups, False),
    'current_location': Field(values.location, False),
    'date_of_first_session': Field(values.timestamp, False),
    'date_of_last_session': Field(values.timestamp, False),
    'email_open_tracking_disabled': Field(values.boolean, False),
    'email_click_tracking_disabled': Field(values.boolean, False),
}
CUSTOM = Field(values.custom_attribute, False)

# Events and purchases: fields, the ones without which Braze refuses the object, the property
# names Braze reserves, and the size Braze allows for the properties.
ObjectKind = collections.namedtuple('ObjectKind', 'array fields required reserved properties_bytes')
EVENT = ObjectKind('events', {
    'name': Field(values.text, False),
    'app_id': Field(values.text, False),
}, ('name',), frozenset(('time', 'event_name')), 100 * 1024)
PURCHASE = ObjectKind('purchases', {
    'product_id': Field(values.text, False),
    'currency': Field(values.letters(3, str.upper), False),
    'price': Field(values.number, False),
    'quantity': Field(values.quantity, False),
    'app_id': Field(values.text, False),
}, ('product_id', 'currency', 'price'), frozenset(('time', 'product_id', 'quantity', 'event_name', 'price',
                                                    'currency')), 50 * 1024)


# The seed template's globals (Braze's partner page) and the attribute each one holds: what
# BrazeUserTrack's flat form records, and (the standard ones) what BrazeUserLookup fills by default.
SEED_GLOBALS = (
    ('FIRST_NAME', 'first_name'),
    ('LAST_NAME', 'last_name'),
    ('EMAIL_ADDRESS', 'email'),
    ('DATE_OF_BIRTH', 'dob'),
    ('CITY_OF_RESIDENCE', 'home_city'),
    ('OPERATING_SYSTEM', 'operating_system'),  # a custom attribute
)
# Fields whose values are personal data, wherever they appear (a looked-up profile included).
PERSONAL = tuple(sorted({name for table in (IDENTIFIERS, ATTRIBUTES) for name, field in table.items()
                         if field.personal} - {'user_alias'}))


def attribute(name):
    """The field of attribute ``name`` (a standard one, or the custom-attribute rules); an identifier
    is never an attribute (Braze would store it as a custom attribute of that name)."""
    if name in PRIMARY:
        raise values.InvalidValue('identifiers go at the top level of the input')
    field = ATTRIBUTES.get(name)
    if field is None:
        values.property_key(name)  # custom attribute names follow the property-name rules
        return CUSTOM
    return field
