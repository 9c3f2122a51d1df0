#!/usr/bin/env python3
"""Turns an SBE 1.0 XML message schema into header-only C++20 flyweight codecs.

Usage: sbe_gen.py SCHEMA.xml OUTPUT_ROOT [--stamp FILE]

Headers go to OUTPUT_ROOT/<package path>/ (package "cox.codecs.cluster" -> cox/codecs/cluster/), one per
message, enum, set and composite, plus <Pkg>Schema.hpp (ids, header check, template id list) and the umbrella
<Pkg>Codecs.hpp. Files are rewritten only when their text changes, so an unrelated schema edit does not
rebuild everything that includes an untouched header.

Design of the generated code (see also codecs/generator/README.md):
- Encoders throw cox::codecs::sbe::EncodeOverflowException rather than write out of bounds; sizing the
  buffer is the caller's job, so running out is a programmer error.
- Decoders never throw and never read outside [buffer, buffer + bufferLength): wrapForDecode walks the whole
  message once (block, every group entry, every var-data length) and returns a DecodeError. After NONE every
  accessor read in schema order is in bounds; group and var-data accessors re-check anyway, so reading out of
  order gives wrong values, never an out-of-bounds read.
Standard library only (xml.etree), so the build needs nothing beyond Python 3.
"""

import argparse
import math
import os
import sys
import xml.etree.ElementTree as ET

SBE_NS = 'http://fixprotocol.io/2016/sbe'

# name -> (C++ type, size, null, min, max) using SBE 1.0's defaults.
PRIMITIVES = {
    'char': ('char', 1, 0, 0x20, 0x7e),
    'int8': ('std::int8_t', 1, -2**7, -2**7 + 1, 2**7 - 1),
    'int16': ('std::int16_t', 2, -2**15, -2**15 + 1, 2**15 - 1),
    'int32': ('std::int32_t', 4, -2**31, -2**31 + 1, 2**31 - 1),
    'int64': ('std::int64_t', 8, -2**63, -2**63 + 1, 2**63 - 1),
    'uint8': ('std::uint8_t', 1, 2**8 - 1, 0, 2**8 - 2),
    'uint16': ('std::uint16_t', 2, 2**16 - 1, 0, 2**16 - 2),
    'uint32': ('std::uint32_t', 4, 2**32 - 1, 0, 2**32 - 2),
    'uint64': ('std::uint64_t', 8, 2**64 - 1, 0, 2**64 - 2),
    'float': ('float', 4, 'nan', '-max', 'max'),
    'double': ('double', 8, 'nan', '-max', 'max'),
}

ZERO_BLOCK_LENGTH = 4096  # must match cox/codecs/sbe/Sbe.hpp


class SchemaError(Exception):
    pass


def cap(name):
    return name[0].upper() + name[1:]


def parse_value(prim, text):
    text = text.strip()
    if prim == 'char':
        if len(text) == 1:
            return ord(text)
        return int(text, 0)
    if prim in ('float', 'double'):
        return float(text)
    return int(text, 0)


def literal(prim, value):
    """A C++ expression of type PRIMITIVES[prim] for value (int, float or one of the float markers)."""
    ctype = PRIMITIVES[prim][0]
    if prim in ('float', 'double'):
        if value == 'nan' or (isinstance(value, float) and math.isnan(value)):
            return 'std::numeric_limits<%s>::quiet_NaN()' % ctype
        if value == 'max':
            return 'std::numeric_limits<%s>::max()' % ctype
        if value == '-max':
            return 'std::numeric_limits<%s>::lowest()' % ctype
        return 'static_cast<%s>(%r)' % (ctype, float(value))
    if prim == 'char':
        return 'static_cast<char>(%d)' % value
    if value == -2**63:
        return 'std::numeric_limits<std::int64_t>::min()'
    if value < 0:
        return 'static_cast<%s>(%dLL)' % (ctype, value)
    return 'static_cast<%s>(%dULL)' % (ctype, value)


# ---------------------------------------------------------------------------------------------------------------
# Model


class EncodedType:
    kind = 'encoded'

    def __init__(self, name, prim, length=1, presence='required', null=None, min_value=None, max_value=None,
                 const_text=None, since=0, offset=None, char_encoding=None):
        if prim not in PRIMITIVES:
            raise SchemaError('unknown primitiveType %r for %r' % (prim, name))
        self.name = name
        self.prim = prim
        self.length = length
        self.presence = presence
        _, _, dnull, dmin, dmax = PRIMITIVES[prim]
        self.null = dnull if null is None else null
        self.min = dmin if min_value is None else min_value
        self.max = dmax if max_value is None else max_value
        self.const_text = const_text
        self.since = since
        self.offset = offset
        self.char_encoding = char_encoding

    @property
    def size(self):
        return 0 if self.presence == 'constant' else PRIMITIVES[self.prim][1] * self.length


class Composite:
    kind = 'composite'

    def __init__(self, name, members, since=0, offset=None):
        self.name = name
        self.members = members  # list of Member
        self.since = since
        self.offset = offset

    @property
    def size(self):
        end = 0
        for m in self.members:
            end = max(end, m.offset + m.type.size)
        return end

    def member(self, name):
        for m in self.members:
            if m.name == name:
                return m
        return None

    def is_var_data(self):
        return any(isinstance(m.type, EncodedType) and m.type.length == 0 for m in self.members)


class Enum:
    kind = 'enum'

    def __init__(self, name, prim, null, values, since=0, offset=None):
        self.name = name
        self.prim = prim
        self.null = null
        self.values = values  # list of (name, int value, sinceVersion)
        self.since = since
        self.offset = offset

    @property
    def size(self):
        return PRIMITIVES[self.prim][1]


class Set:
    kind = 'set'

    def __init__(self, name, prim, choices, since=0, offset=None):
        self.name = name
        self.prim = prim
        self.choices = choices  # list of (name, bit)
        self.since = since
        self.offset = offset

    @property
    def size(self):
        return PRIMITIVES[self.prim][1]


class Member:
    """A fixed-size field of a message block, group entry or composite."""

    def __init__(self, name, type_, offset, since=0, presence=None, value_ref=None, field_id=None):
        self.name = name
        self.type = type_
        self.offset = offset
        self.since = since
        self.presence = presence or getattr(type_, 'presence', 'required')
        self.value_ref = value_ref
        self.id = field_id

    @property
    def is_constant(self):
        return self.presence == 'constant'

    @property
    def size(self):
        return 0 if self.is_constant else self.type.size


class Group:
    def __init__(self, name, group_id, dimension, since):
        self.name = name
        self.id = group_id
        self.dimension = dimension
        self.since = since
        self.fields = []
        self.groups = []
        self.datas = []
        self.block_length = 0


class Data:
    def __init__(self, name, data_id, type_, since):
        self.name = name
        self.id = data_id
        self.type = type_
        self.since = since


class Message:
    def __init__(self, name, template_id, since):
        self.name = name
        self.id = template_id
        self.since = since
        self.fields = []
        self.groups = []
        self.datas = []
        self.block_length = 0


class Schema:
    def __init__(self):
        self.types = {}
        self.type_order = []
        self.messages = []


# ---------------------------------------------------------------------------------------------------------------
# Parsing


def local(tag):
    return tag.split('}', 1)[1] if '}' in tag else tag


def int_attr(el, name, default=None):
    value = el.get(name)
    return default if value is None else int(value, 0)


def parse_type_element(el, schema, register, top_level=True):
    tag = local(el.tag)
    name = el.get('name')
    since = int_attr(el, 'sinceVersion', 0)
    offset = int_attr(el, 'offset')
    if tag == 'type':
        prim = el.get('primitiveType')
        presence = el.get('presence', 'required')
        length = int_attr(el, 'length', 1)
        null = el.get('nullValue')
        min_value = el.get('minValue')
        max_value = el.get('maxValue')
        const_text = (el.text or '') if presence == 'constant' else None
        t = EncodedType(name, prim, length, presence,
                        None if null is None else parse_value(prim, null),
                        None if min_value is None else parse_value(prim, min_value),
                        None if max_value is None else parse_value(prim, max_value),
                        const_text, since, offset, el.get('characterEncoding'))
    elif tag == 'composite':
        members = []
        position = 0
        for child in el:
            if local(child.tag) == 'ref':
                ref_type = lookup_type(schema, child.get('type'))
                member_offset = int_attr(child, 'offset', position)
                members.append(Member(child.get('name'), ref_type, member_offset, int_attr(child, 'sinceVersion', 0)))
            else:
                child_type = parse_type_element(child, schema, register=True, top_level=False)
                member_offset = position if child_type.offset is None else child_type.offset
                members.append(Member(child_type.name, child_type, member_offset, child_type.since))
            position = members[-1].offset + members[-1].size
        t = Composite(name, members, since, offset)
    elif tag == 'enum':
        encoding = el.get('encodingType')
        prim, null = resolve_encoding(schema, encoding)
        values = [(v.get('name'), parse_value(prim, v.text), int_attr(v, 'sinceVersion', 0))
                  for v in el if local(v.tag) == 'validValue']
        t = Enum(name, prim, null, values, since, offset)
    elif tag == 'set':
        prim, _ = resolve_encoding(schema, el.get('encodingType'))
        choices = [(c.get('name'), int(c.text.strip())) for c in el if local(c.tag) == 'choice']
        for choice_name, bit in choices:
            if bit >= PRIMITIVES[prim][1] * 8:
                raise SchemaError('choice %s.%s bit %d does not fit %s' % (name, choice_name, bit, prim))
        t = Set(name, prim, choices, since, offset)
    else:
        raise SchemaError('unexpected element <%s> in types' % tag)
    # Inline <type> members of composites are member definitions, not schema-wide types; inline enums,
    # sets and composites become types of their own (they need classes).
    if register and name not in schema.types and (top_level or not isinstance(t, EncodedType)):
        schema.types[name] = t
        schema.type_order.append(t)
    return t


def resolve_encoding(schema, encoding):
    """The primitive and null value behind an enum or set encodingType (a primitive or a named type)."""
    if encoding in PRIMITIVES:
        return encoding, PRIMITIVES[encoding][2]
    t = schema.types.get(encoding)
    if not isinstance(t, EncodedType):
        raise SchemaError('encodingType %r is neither a primitive nor a defined type' % encoding)
    return t.prim, t.null


def lookup_type(schema, name):
    if name in schema.types:
        return schema.types[name]
    if name in PRIMITIVES:
        return EncodedType(name, name)
    raise SchemaError('unknown type %r' % name)


def parse_members(el, container, schema, is_message):
    position = 0
    for child in el:
        tag = local(child.tag)
        since = int_attr(child, 'sinceVersion', 0)
        if tag == 'field':
            if container.groups or container.datas:
                raise SchemaError('%s: field %s after a group or data' % (container.name, child.get('name')))
            t = lookup_type(schema, child.get('type'))
            presence = child.get('presence')
            if presence is None and isinstance(t, EncodedType):
                presence = t.presence
            member = Member(child.get('name'), t, int_attr(child, 'offset', position), since,
                            presence or 'required', child.get('valueRef'), int_attr(child, 'id'))
            if member.is_constant and member.value_ref is None and not (
                    isinstance(t, EncodedType) and t.presence == 'constant'):
                raise SchemaError('%s.%s: constant field needs a constant type or a valueRef'
                                  % (container.name, member.name))
            if member.offset < position:
                raise SchemaError('%s.%s: offset %d overlaps the previous field' % (
                    container.name, member.name, member.offset))
            container.fields.append(member)
            position = member.offset + member.size
        elif tag == 'group':
            if container.datas:
                raise SchemaError('%s: group %s after data' % (container.name, child.get('name')))
            dimension = lookup_type(schema, child.get('dimensionType', 'groupSizeEncoding'))
            group = Group(child.get('name'), int_attr(child, 'id'), dimension, since)
            parse_members(child, group, schema, False)
            container.groups.append(group)
        elif tag == 'data':
            t = lookup_type(schema, child.get('type'))
            if not isinstance(t, Composite) or not t.is_var_data():
                raise SchemaError('%s.%s: data type must be a var-data composite' % (
                    container.name, child.get('name')))
            container.datas.append(Data(child.get('name'), int_attr(child, 'id'), t, since))
        else:
            raise SchemaError('unexpected <%s> in %s' % (tag, container.name))
    explicit = int_attr(el, 'blockLength', 0)
    container.block_length = max(position, explicit)
    if container.block_length > ZERO_BLOCK_LENGTH:
        raise SchemaError('%s: block length %d is above %d' % (container.name, container.block_length,
                                                                 ZERO_BLOCK_LENGTH))


def parse_schema(path):
    root = ET.parse(path).getroot()
    if local(root.tag) != 'messageSchema':
        raise SchemaError('root element must be sbe:messageSchema')
    schema = Schema()
    schema.package = root.get('package')
    schema.id = int(root.get('id'))
    schema.version = int(root.get('version', '0'))
    schema.semantic_version = root.get('semanticVersion', '')
    schema.header_type = root.get('headerType', 'messageHeader')
    if root.get('byteOrder', 'littleEndian') != 'littleEndian':
        raise SchemaError('only byteOrder="littleEndian" is supported')
    for child in root:
        tag = local(child.tag)
        if tag == 'types':
            for type_el in child:
                parse_type_element(type_el, schema, register=True)
        elif tag == 'message':
            message = Message(child.get('name'), int(child.get('id')), int_attr(child, 'sinceVersion', 0))
            parse_members(child, message, schema, True)
            schema.messages.append(message)
    header = schema.types.get(schema.header_type)
    if not isinstance(header, Composite):
        raise SchemaError('header type %r is not a composite' % schema.header_type)
    for member_name in ('blockLength', 'templateId', 'schemaId', 'version'):
        if header.member(member_name) is None:
            raise SchemaError('header composite lacks %s' % member_name)
    seen = set()
    for message in schema.messages:
        if message.id in seen:
            raise SchemaError('duplicate template id %d' % message.id)
        seen.add(message.id)
    return schema


# ---------------------------------------------------------------------------------------------------------------
# Code generation helpers


class Out:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def __call__(self, text=''):
        if text:
            self.lines.append('    ' * self.depth + text)
        else:
            self.lines.append('')

    def indent(self):
        self.depth += 1

    def dedent(self):
        self.depth -= 1

    def open(self, text=None):
        if text:
            self(text)
        self('{')
        self.indent()

    def close(self, suffix=''):
        self.dedent()
        self('}' + suffix)

    def text(self):
        return '\n'.join(self.lines) + '\n'


def ctype(prim):
    return PRIMITIVES[prim][0]


def type_header(t):
    return '%s.hpp' % cap(t.name)


def collect_type_deps(members, deps):
    for m in members:
        t = m.type
        if isinstance(t, (Enum, Set)):
            deps.add(cap(t.name))
        elif isinstance(t, Composite):
            deps.add(cap(t.name))


def enum_value_name(enum, value_ref):
    enum_name, value_name = value_ref.split('.', 1)
    if enum_name != enum.name or value_name not in [v[0] for v in enum.values]:
        raise SchemaError('valueRef %s does not name a value of %s' % (value_ref, enum.name))
    return '%s::%s' % (cap(enum.name), value_name)


def at_least(acting, since):
    # 'version >= 0' on a uint16 trips -Wtype-limits, so version-0 members get a literal true.
    return 'true' if since == 0 else '%s >= %d' % (acting, since)


def below(acting, since):
    return None if since == 0 else '%s < %d' % (acting, since)


def either(*conditions):
    return ' || '.join(c for c in conditions if c)


def since_guard(out, since, null_expr, acting='m_actingVersion'):
    if since > 0:
        out('if (%s < %d)' % (acting, since))
        out.open()
        out('return %s;' % null_expr)
        out.close()


def emit_member_constants(out, m):
    t = m.type
    out('static constexpr std::size_t %sEncodingOffset() noexcept { return %d; }' % (m.name, m.offset))
    out('static constexpr std::size_t %sEncodingLength() noexcept { return %d; }' % (m.name, m.size))
    out('static constexpr std::uint16_t %sSinceVersion() noexcept { return %d; }' % (m.name, m.since))
    if m.id is not None:
        out('static constexpr std::uint16_t %sId() noexcept { return %d; }' % (m.name, m.id))
    if isinstance(t, EncodedType) and not m.is_constant:
        c = ctype(t.prim)
        out('static constexpr %s %sNullValue() noexcept { return %s; }' % (c, m.name, literal(t.prim, t.null)))
        out('static constexpr %s %sMinValue() noexcept { return %s; }' % (c, m.name, literal(t.prim, t.min)))
        out('static constexpr %s %sMaxValue() noexcept { return %s; }' % (c, m.name, literal(t.prim, t.max)))
        if t.length > 1:
            out('static constexpr std::size_t %sLength() noexcept { return %d; }' % (m.name, t.length))


def emit_encoder_member(out, m, cls):
    """Setters of one fixed member; the block they write into was bounds-checked when it was wrapped."""
    t = m.type
    emit_member_constants(out, m)
    where = 'm_buffer + m_offset + %d' % m.offset
    if m.is_constant:
        emit_constant_getter(out, m)
        out()
        return
    if isinstance(t, EncodedType):
        c = ctype(t.prim)
        if t.length == 1:
            out('%s& %s(%s value) noexcept' % (cls, m.name, c))
            out.open()
            out('sbe::store<%s>(%s, value);' % (c, where))
            out('return *this;')
            out.close()
        elif t.prim == 'char':
            out('/// Copies value and pads with NULs; throws EncodeOverflowException if it is longer than %d.' %
                t.length)
            out('%s& %s(std::string_view value)' % (cls, m.name))
            out.open()
            out('if (value.size() > %d)' % t.length)
            out.open()
            out('sbe::throwEncodeOverflow("%s.%s", value.size(), %d);' % (cls, m.name, t.length))
            out.close()
            out('std::memcpy(%s, value.data(), value.size());' % where)
            out('std::memset(%s + value.size(), 0, %d - value.size());' % (where, t.length))
            out('return *this;')
            out.close()
        else:
            out('%s& %s(std::size_t index, %s value)' % (cls, m.name, c))
            out.open()
            out('if (index >= %d)' % t.length)
            out.open()
            out('sbe::throwEncodeOverflow("%s.%s", index + 1, %d);' % (cls, m.name, t.length))
            out.close()
            out('sbe::store<%s>(%s + index * %d, value);' % (c, where, PRIMITIVES[t.prim][1]))
            out('return *this;')
            out.close()
    elif isinstance(t, Enum):
        out('%s& %s(%s value) noexcept' % (cls, m.name, cap(t.name)))
        out.open()
        out('sbe::store<%s>(%s, static_cast<%s>(value));' % (ctype(t.prim), where, ctype(t.prim)))
        out('return *this;')
        out.close()
    elif isinstance(t, Set):
        out('%s& %s(%s value) noexcept' % (cls, m.name, cap(t.name)))
        out.open()
        out('sbe::store<%s>(%s, value.raw());' % (ctype(t.prim), where))
        out('return *this;')
        out.close()
    elif isinstance(t, Composite):
        out('%sEncoder %s() noexcept' % (cap(t.name), m.name))
        out.open()
        out('%sEncoder encoder;' % cap(t.name))
        out('encoder.wrap(m_buffer, m_offset + %d, m_bufferLength);' % m.offset)
        out('return encoder;')
        out.close()
    out()


def emit_constant_getter(out, m):
    t = m.type
    if m.value_ref is not None:
        if not isinstance(t, Enum):
            raise SchemaError('valueRef on %s needs an enum type' % m.name)
        out('static constexpr %s %s() noexcept { return %s; }' % (cap(t.name), m.name, enum_value_name(t, m.value_ref)))
    elif t.prim == 'char' and t.length > 1 or (t.prim == 'char' and len(t.const_text) != 1):
        text = t.const_text.replace('\\', '\\\\').replace('"', '\\"')
        out('static constexpr std::string_view %s() noexcept { return "%s"; }' % (m.name, text))
    else:
        value = parse_value(t.prim, t.const_text)
        out('static constexpr %s %s() noexcept { return %s; }' % (ctype(t.prim), m.name, literal(t.prim, value)))


def emit_decoder_member(out, m):
    t = m.type
    emit_member_constants(out, m)
    where = 'm_buffer + m_offset + %d' % m.offset
    if m.is_constant:
        emit_constant_getter(out, m)
        out()
        return
    out('[[nodiscard]] bool %sInActingVersion() const noexcept { return %s; }' % (
        m.name, at_least('m_actingVersion', m.since)))
    if isinstance(t, EncodedType):
        c = ctype(t.prim)
        if t.length == 1:
            out('[[nodiscard]] %s %s() const noexcept' % (c, m.name))
            out.open()
            since_guard(out, m.since, literal(t.prim, t.null))
            out('return sbe::load<%s>(%s);' % (c, where))
            out.close()
        elif t.prim == 'char':
            out('/// The characters up to the first NUL (or all %d).' % t.length)
            out('[[nodiscard]] std::string_view %s() const noexcept' % m.name)
            out.open()
            since_guard(out, m.since, 'std::string_view()')
            out('const char* chars = reinterpret_cast<const char*>(%s);' % where)
            out('std::size_t length = 0;')
            out('while (length < %d && chars[length] != 0)' % t.length)
            out.open()
            out('++length;')
            out.close()
            out('return std::string_view(chars, length);')
            out.close()
        else:
            out('[[nodiscard]] %s %s(std::size_t index) const noexcept' % (c, m.name))
            out.open()
            out('if (%s)' % either(below('m_actingVersion', m.since), 'index >= %d' % t.length))
            out.open()
            out('return %s;' % literal(t.prim, t.null))
            out.close()
            out('return sbe::load<%s>(%s + index * %d);' % (c, where, PRIMITIVES[t.prim][1]))
            out.close()
    elif isinstance(t, Enum):
        raw = ctype(t.prim)
        out('/// The raw value; it may name no enumerator when the sender is newer than this schema.')
        out('[[nodiscard]] %s %sRaw() const noexcept' % (raw, m.name))
        out.open()
        since_guard(out, m.since, literal(t.prim, t.null))
        out('return sbe::load<%s>(%s);' % (raw, where))
        out.close()
        out('[[nodiscard]] %s %s() const noexcept { return static_cast<%s>(%sRaw()); }' % (
            cap(t.name), m.name, cap(t.name), m.name))
    elif isinstance(t, Set):
        out('[[nodiscard]] %s %s() const noexcept' % (cap(t.name), m.name))
        out.open()
        since_guard(out, m.since, '%s()' % cap(t.name))
        out('return %s(sbe::load<%s>(%s));' % (cap(t.name), ctype(t.prim), where))
        out.close()
    elif isinstance(t, Composite):
        out('[[nodiscard]] %sDecoder %s() const noexcept' % (cap(t.name), m.name))
        out.open()
        out('%sDecoder decoder;' % cap(t.name))
        out('static_cast<void>(decoder.wrap(m_buffer, m_offset + %d, m_actingVersion, m_bufferLength));' % m.offset)
        out('return decoder;')
        out.close()
    out()


def emit_min_block_length(out, fields):
    out('/// The shortest block that holds every field a sender of actingVersion writes.')
    out('[[nodiscard]] static constexpr std::size_t minBlockLength([[maybe_unused]] std::uint16_t actingVersion) noexcept')
    out.open()
    out('std::size_t length = 0;')
    for m in fields:
        if m.size == 0:
            continue
        end = m.offset + m.size
        if m.since > 0:
            out('length = actingVersion >= %d && length < %d ? %d : length;' % (m.since, end, end))
        else:
            out('length = length < %d ? %d : length;' % (end, end))
    out('return length;')
    out.close()
    out()


def dim_info(dimension):
    block = dimension.member('blockLength')
    count = dimension.member('numInGroup')
    if block is None or count is None:
        raise SchemaError('dimension type %s needs blockLength and numInGroup' % dimension.name)
    return block, count


def var_info(data_type):
    length = data_type.member('length')
    body = data_type.member('varData')
    if length is None or body is None:
        raise SchemaError('var data type %s needs length and varData' % data_type.name)
    max_value = length.type.max
    return length, body, max_value


def open_since(out, acting, since):
    if since == 0:
        out.open()
    else:
        out.open('if (%s >= %d)' % (acting, since))


def emit_validate(out, container):
    """Walks the groups and var data that follow a block, checking every length against the buffer."""
    out('/// Checks every group and var-data length after the block; pos moves past what was checked.')
    out('[[nodiscard]] static sbe::DecodeError validateBody(')
    out('    [[maybe_unused]] const std::uint8_t* buffer, [[maybe_unused]] std::size_t& pos,')
    out('    [[maybe_unused]] std::size_t bufferLength, [[maybe_unused]] std::uint16_t actingVersion) noexcept')
    out.open()
    for g in container.groups:
        block, count = dim_info(g.dimension)
        cls = '%sDecoder' % cap(g.name)
        open_since(out, 'actingVersion', g.since)
        out('if (bufferLength - pos < %d)' % g.dimension.size)
        out.open()
        out('return sbe::DecodeError::TRUNCATED_GROUP;')
        out.close()
        out('const std::size_t blockLength = sbe::load<%s>(buffer + pos + %d);' % (ctype(block.type.prim), block.offset))
        out('const std::size_t count = sbe::load<%s>(buffer + pos + %d);' % (ctype(count.type.prim), count.offset))
        out('pos += %d;' % g.dimension.size)
        out('if (blockLength < %s::minBlockLength(actingVersion))' % cls)
        out.open()
        out('return sbe::DecodeError::INVALID_GROUP_BLOCK_LENGTH;')
        out.close()
        out('for (std::size_t i = 0; i < count; ++i)')
        out.open()
        out('if (bufferLength - pos < blockLength)')
        out.open()
        out('return sbe::DecodeError::TRUNCATED_GROUP;')
        out.close()
        out('pos += blockLength;')
        out('const sbe::DecodeError error = %s::validateBody(buffer, pos, bufferLength, actingVersion);' % cls)
        out('if (error != sbe::DecodeError::NONE)')
        out.open()
        out('return error;')
        out.close()
        out.close()
        out.close()
    for d in container.datas:
        length, body, max_value = var_info(d.type)
        open_since(out, 'actingVersion', d.since)
        out('if (bufferLength - pos < %d)' % body.offset)
        out.open()
        out('return sbe::DecodeError::TRUNCATED_VAR_DATA;')
        out.close()
        out('const std::size_t length = sbe::load<%s>(buffer + pos + %d);' % (ctype(length.type.prim), length.offset))
        out('if (length > %dULL)' % max_value)
        out.open()
        out('return sbe::DecodeError::VAR_DATA_TOO_LONG;')
        out.close()
        out('if (bufferLength - pos - %d < length)' % body.offset)
        out.open()
        out('return sbe::DecodeError::TRUNCATED_VAR_DATA;')
        out.close()
        out('pos += %d + length;' % body.offset)
        out.close()
    out('return sbe::DecodeError::NONE;')
    out.close()
    out()


def emit_encoder_groups_and_data(out, container, cls, position):
    for g in container.groups:
        emit_group_encoder(out, g)
    for g in container.groups:
        gcls = '%sEncoder' % cap(g.name)
        _, count = dim_info(g.dimension)
        out('static constexpr std::size_t %sMaxCount() noexcept { return %d; }' % (g.name, count.type.max))
        out('/// Starts group %s with count entries; call next() on it before filling each one. Every group must be' % g.name)
        out('/// started, in schema order and even when empty, before the var data that follows it.')
        out('%s& %sCount(std::size_t count)' % (gcls, g.name))
        out.open()
        out('m_%s.wrap(m_buffer, count, %s, m_bufferLength);' % (g.name, position))
        out('return m_%s;' % g.name)
        out.close()
        out()
    for d in container.datas:
        length, body, max_value = var_info(d.type)
        name = cap(d.name)
        out('static constexpr std::size_t %sMaxLength() noexcept { return %d; }' % (d.name, max_value))
        out('static constexpr std::uint16_t %sSinceVersion() noexcept { return %d; }' % (d.name, d.since))
        out('/// Appends %s (length prefix, then the bytes); call in schema order after every group.' % d.name)
        out('%s& put%s(const char* data, std::size_t length)' % (cls, name))
        out.open()
        out('const std::size_t at = %s;' % position)
        out('if (length > %dULL || m_bufferLength - at < %d || m_bufferLength - at - %d < length)' % (
            max_value, body.offset, body.offset))
        out.open()
        out('sbe::throwEncodeOverflow("%s.%s", at + %d + length, m_bufferLength);' % (cls, d.name, body.offset))
        out.close()
        out('sbe::store<%s>(m_buffer + at + %d, static_cast<%s>(length));' % (
            ctype(length.type.prim), length.offset, ctype(length.type.prim)))
        out('if (length > 0)')
        out.open()
        out('std::memcpy(m_buffer + at + %d, data, length);' % body.offset)
        out.close()
        out('%s = at + %d + length;' % (position, body.offset))
        out('return *this;')
        out.close()
        out('%s& put%s(std::string_view value) { return put%s(value.data(), value.size()); }' % (cls, name, name))
        out()


def emit_decoder_groups_and_data(out, container, position):
    for g in container.groups:
        emit_group_decoder(out, g)
    for g in container.groups:
        gcls = '%sDecoder' % cap(g.name)
        out('/// Positions group %s for iteration (hasNext()/next()); read groups and var data in schema order.' % g.name)
        out('[[nodiscard]] %s& %s() noexcept' % (gcls, g.name))
        out.open()
        out('m_%s.wrap(m_buffer, %s, m_actingVersion, m_bufferLength, %s);' % (
            g.name, position, at_least('m_actingVersion', g.since)))
        out('return m_%s;' % g.name)
        out.close()
        out()
    for d in container.datas:
        length, body, _ = var_info(d.type)
        lt = ctype(length.type.prim)
        out('/// Length of %s without consuming it; 0 if absent or it would not fit.' % d.name)
        out('[[nodiscard]] std::size_t %sLength() const noexcept' % d.name)
        out.open()
        out('const std::size_t at = %s;' % position)
        out('if (%s)' % either(below('m_actingVersion', d.since), 'm_bufferLength - at < %d' % body.offset))
        out.open()
        out('return 0;')
        out.close()
        out('const std::size_t length = sbe::load<%s>(m_buffer + at + %d);' % (lt, length.offset))
        out('return length <= m_bufferLength - at - %d ? length : 0;' % body.offset)
        out.close()
        out('/// %s, viewed in place; consumes it. Empty if absent (older acting version) or out of bounds.' % d.name)
        out('[[nodiscard]] std::string_view %s() noexcept' % d.name)
        out.open()
        out('const std::size_t at = %s;' % position)
        out('if (%s)' % either(below('m_actingVersion', d.since), 'm_bufferLength - at < %d' % body.offset))
        out.open()
        out('return std::string_view();')
        out.close()
        out('const std::size_t length = sbe::load<%s>(m_buffer + at + %d);' % (lt, length.offset))
        out('if (length > m_bufferLength - at - %d)' % body.offset)
        out.open()
        out('%s = m_bufferLength;' % position)
        out('return std::string_view();')
        out.close()
        out('%s = at + %d + length;' % (position, body.offset))
        out('return std::string_view(reinterpret_cast<const char*>(m_buffer + at + %d), length);' % body.offset)
        out.close()
        out('void skip%s() noexcept { static_cast<void>(%s()); }' % (cap(d.name), d.name))
        out()


def emit_group_encoder(out, g):
    cls = '%sEncoder' % cap(g.name)
    block, count = dim_info(g.dimension)
    out('class %s' % cls)
    out('{')
    out('public:')
    out.indent()
    out('static constexpr std::uint16_t BLOCK_LENGTH = %d;' % g.block_length)
    out('static constexpr std::size_t HEADER_LENGTH = %d;' % g.dimension.size)
    out()
    out('void wrap(std::uint8_t* buffer, std::size_t count, std::size_t& position, std::size_t bufferLength)')
    out.open()
    out('if (count > %dULL || bufferLength - position < HEADER_LENGTH)' % count.type.max)
    out.open()
    out('sbe::throwEncodeOverflow("%s header", position + HEADER_LENGTH, bufferLength);' % cls)
    out.close()
    out('m_buffer = buffer;')
    out('m_bufferLength = bufferLength;')
    out('m_position = &position;')
    out('m_count = count;')
    out('m_index = 0;')
    out('sbe::store<%s>(buffer + position + %d, BLOCK_LENGTH);' % (ctype(block.type.prim), block.offset))
    out('sbe::store<%s>(buffer + position + %d, static_cast<%s>(count));' % (
        ctype(count.type.prim), count.offset, ctype(count.type.prim)))
    out('position += HEADER_LENGTH;')
    out.close()
    out()
    out('[[nodiscard]] std::size_t count() const noexcept { return m_count; }')
    out()
    out('/// Moves to the next entry and zeroes its block; throws if count() entries were already written.')
    out('%s& next()' % cls)
    out.open()
    out('if (m_index >= m_count || m_bufferLength - *m_position < BLOCK_LENGTH)')
    out.open()
    out('sbe::throwEncodeOverflow("%s.next", *m_position + BLOCK_LENGTH, m_bufferLength);' % cls)
    out.close()
    out('m_offset = *m_position;')
    out('std::memset(m_buffer + m_offset, 0, BLOCK_LENGTH);')
    out('*m_position += BLOCK_LENGTH;')
    out('++m_index;')
    out('return *this;')
    out.close()
    out()
    for m in g.fields:
        emit_encoder_member(out, m, cls)
    emit_encoder_groups_and_data(out, g, cls, '*m_position')
    out.dedent()
    out('private:')
    out.indent()
    out('std::uint8_t* m_buffer = nullptr;')
    out('std::size_t m_bufferLength = 0;')
    out('std::size_t m_offset = 0;')
    out('std::size_t* m_position = nullptr;')
    out('std::size_t m_count = 0;')
    out('std::size_t m_index = 0;')
    for sub in g.groups:
        out('%sEncoder m_%s;' % (cap(sub.name), sub.name))
    out.close(';')
    out()


def emit_group_decoder(out, g):
    cls = '%sDecoder' % cap(g.name)
    block, count = dim_info(g.dimension)
    out('class %s' % cls)
    out('{')
    out('public:')
    out.indent()
    out('static constexpr std::uint16_t BLOCK_LENGTH = %d;' % g.block_length)
    out('static constexpr std::size_t HEADER_LENGTH = %d;' % g.dimension.size)
    out()
    emit_min_block_length(out, g.fields)
    out('/// Reads the group header at position; a header that is absent or out of bounds reads as empty.')
    out('void wrap(const std::uint8_t* buffer, std::size_t& position, std::uint16_t actingVersion,')
    out('    std::size_t bufferLength, bool present) noexcept')
    out.open()
    out('m_buffer = buffer;')
    out('m_bufferLength = bufferLength;')
    out('m_position = &position;')
    out('m_actingVersion = actingVersion;')
    out('m_index = 0;')
    out('m_count = 0;')
    out('m_blockLength = BLOCK_LENGTH;')
    out('if (!present || bufferLength - position < HEADER_LENGTH)')
    out.open()
    out('return;')
    out.close()
    out('m_blockLength = sbe::load<%s>(buffer + position + %d);' % (ctype(block.type.prim), block.offset))
    out('m_count = sbe::load<%s>(buffer + position + %d);' % (ctype(count.type.prim), count.offset))
    out('position += HEADER_LENGTH;')
    out('if (m_blockLength < minBlockLength(actingVersion))')
    out.open()
    out('m_count = 0;')
    out.close()
    out.close()
    out()
    out('[[nodiscard]] std::size_t count() const noexcept { return m_count; }')
    out('[[nodiscard]] bool hasNext() const noexcept { return m_index < m_count; }')
    out('[[nodiscard]] std::size_t actingBlockLength() const noexcept { return m_blockLength; }')
    out()
    out('/// Moves to the next entry. If it would run past the buffer (only possible when the message was not')
    out('/// validated or was read out of order) iteration ends and the entry reads as zeroes.')
    out('%s& next() noexcept' % cls)
    out.open()
    out('if (m_index >= m_count || m_bufferLength - *m_position < m_blockLength)')
    out.open()
    out('m_count = m_index;')
    out('m_entryBuffer = sbe::ZERO_BLOCK;')
    out('m_offset = 0;')
    out('return *this;')
    out.close()
    out('m_entryBuffer = m_buffer;')
    out('m_offset = *m_position;')
    out('*m_position += m_blockLength;')
    out('++m_index;')
    out('return *this;')
    out.close()
    out()
    emit_validate(out, g)
    # Field getters read through m_entryBuffer; alias it as m_buffer inside them via a small trick: the
    # members below use m_buffer for var data and groups (the real buffer) and m_entryBuffer for fields.
    sub = Out()
    sub.depth = out.depth
    for m in g.fields:
        emit_decoder_member(sub, m)
    for line in sub.lines:
        out.lines.append(line.replace('m_buffer + m_offset', 'm_entryBuffer + m_offset').replace(
            'decoder.wrap(m_buffer, m_offset', 'decoder.wrap(m_entryBuffer, m_offset'))
    emit_decoder_groups_and_data(out, g, '*m_position')
    out.dedent()
    out('private:')
    out.indent()
    out('const std::uint8_t* m_buffer = nullptr;')
    out('const std::uint8_t* m_entryBuffer = sbe::ZERO_BLOCK;')
    out('std::size_t m_bufferLength = 0;')
    out('std::size_t m_offset = 0;')
    out('std::size_t* m_position = nullptr;')
    out('std::size_t m_blockLength = 0;')
    out('std::size_t m_count = 0;')
    out('std::size_t m_index = 0;')
    out('std::uint16_t m_actingVersion = 0;')
    for s in g.groups:
        out('%sDecoder m_%s;' % (cap(s.name), s.name))
    out.close(';')
    out()


def all_members_deep(container):
    members = list(container.fields)
    for g in container.groups:
        members.extend(all_members_deep(g))
    return members


# ---------------------------------------------------------------------------------------------------------------
# Files


def preamble(out, schema, includes, local_includes):
    out('#pragma once')
    out()
    out('// Generated by codecs/generator/sbe_gen.py from the %s schema (id %d, version %d). Do not edit.' % (
        schema.package, schema.id, schema.version))
    out()
    for inc in includes:
        out('#include <%s>' % inc)
    out()
    out('#include "cox/codecs/sbe/Sbe.hpp"')
    for inc in sorted(local_includes):
        out('#include "%s/%s"' % (schema.include_dir, inc))
    out()
    out('namespace %s' % schema.namespace)
    out('{')


STD_INCLUDES = ['cstddef', 'cstdint', 'cstring', 'limits', 'string_view']


def gen_enum(schema, e):
    out = Out()
    preamble(out, schema, STD_INCLUDES, [])
    c = ctype(e.prim)
    out('enum class %s : %s' % (cap(e.name), c))
    out('{')
    out.indent()
    for name, value, since in e.values:
        note = '  // since version %d' % since if since else ''
        out('%s = %s,%s' % (name, literal(e.prim, value), note))
    out('NULL_VALUE = %s' % literal(e.prim, e.null))
    out.close(';')
    out()
    out('[[nodiscard]] constexpr const char* toString(%s value) noexcept' % cap(e.name))
    out.open()
    out('switch (value)')
    out.open()
    for name, _, _ in e.values:
        out('case %s::%s: return "%s";' % (cap(e.name), name, name))
    out('case %s::NULL_VALUE: return "NULL_VALUE";' % cap(e.name))
    out.close()
    out('return "UNKNOWN";')
    out.close()
    out()
    out('/// True if raw names an enumerator of this schema version (NULL_VALUE excluded).')
    out('[[nodiscard]] constexpr bool is%sValid(%s raw) noexcept' % (cap(e.name), c))
    out.open()
    if e.values:
        out('switch (static_cast<%s>(raw))' % cap(e.name))
        out.open()
        for name, _, _ in e.values:
            out('case %s::%s:' % (cap(e.name), name))
        out('    return true;')
        out('case %s::NULL_VALUE:' % cap(e.name))
        out('    return false;')
        out.close()
    else:
        out('static_cast<void>(raw);')
    out('return false;')
    out.close()
    out('} // namespace %s' % schema.namespace)
    return out.text()


def gen_set(schema, s):
    out = Out()
    preamble(out, schema, STD_INCLUDES, [])
    c = ctype(s.prim)
    name = cap(s.name)
    out('/// Bit set %s over %s; a value type (it is at most eight bytes, so there is nothing to wrap).' % (name, s.prim))
    out('class %s' % name)
    out('{')
    out('public:')
    out.indent()
    out('constexpr %s() noexcept = default;' % name)
    out('constexpr explicit %s(%s raw) noexcept : m_raw(raw) {}' % (name, c))
    out()
    out('[[nodiscard]] constexpr %s raw() const noexcept { return m_raw; }' % c)
    out('constexpr %s& clear() noexcept' % name)
    out.open()
    out('m_raw = 0;')
    out('return *this;')
    out.close()
    out()
    for choice, bit in s.choices:
        out('static constexpr unsigned %s_BIT = %d;' % (camel_to_upper(choice), bit))
        out('[[nodiscard]] constexpr bool %s() const noexcept' % choice)
        out.open()
        out('return (m_raw & static_cast<%s>(%s(1) << %d)) != 0;' % (c, c, bit))
        out.close()
        out('constexpr %s& %s(bool value) noexcept' % (name, choice))
        out.open()
        out('const auto mask = static_cast<%s>(%s(1) << %d);' % (c, c, bit))
        out('m_raw = static_cast<%s>(value ? (m_raw | mask) : (m_raw & static_cast<%s>(~mask)));' % (c, c))
        out('return *this;')
        out.close()
        out()
    out('[[nodiscard]] constexpr bool operator==(const %s& other) const noexcept = default;' % name)
    out.dedent()
    out()
    out('private:')
    out.indent()
    out('%s m_raw = 0;' % c)
    out.close(';')
    out('} // namespace %s' % schema.namespace)
    return out.text()


def camel_to_upper(name):
    result = ''
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0 and not name[i - 1].isupper():
            result += '_'
        result += ch.upper()
    return result


def gen_composite(schema, comp):
    out = Out()
    deps = set()
    collect_type_deps(comp.members, deps)
    deps.discard(cap(comp.name))
    preamble(out, schema, STD_INCLUDES, ['%s.hpp' % d for d in deps])
    name = cap(comp.name)
    for mode in ('Encoder', 'Decoder'):
        cls = name + mode
        out('class %s' % cls)
        out('{')
        out('public:')
        out.indent()
        out('static constexpr std::size_t ENCODED_LENGTH = %d;' % comp.size)
        out()
        if mode == 'Encoder':
            out('/// Throws EncodeOverflowException if the composite would not fit in the buffer.')
            out('%s& wrap(std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength)' % cls)
            out.open()
            out('if (offset > bufferLength || bufferLength - offset < ENCODED_LENGTH)')
            out.open()
            out('sbe::throwEncodeOverflow("%s", offset + ENCODED_LENGTH, bufferLength);' % cls)
            out.close()
            out('m_buffer = buffer;')
            out('m_offset = offset;')
            out('m_bufferLength = bufferLength;')
            out('return *this;')
            out.close()
            out()
            out('[[nodiscard]] static constexpr std::size_t encodedLength() noexcept { return ENCODED_LENGTH; }')
            out()
            for m in comp.members:
                emit_encoder_member(out, m, cls)
        else:
            out('/// False (and every field reads as zero) if the composite would not fit in the buffer.')
            out('[[nodiscard]] bool wrap(const std::uint8_t* buffer, std::size_t offset, std::uint16_t actingVersion,')
            out('    std::size_t bufferLength) noexcept')
            out.open()
            out('m_actingVersion = actingVersion;')
            out('if (offset > bufferLength || bufferLength - offset < ENCODED_LENGTH)')
            out.open()
            out('m_buffer = sbe::ZERO_BLOCK;')
            out('m_offset = 0;')
            out('m_bufferLength = ENCODED_LENGTH;')
            out('return false;')
            out.close()
            out('m_buffer = buffer;')
            out('m_offset = offset;')
            out('m_bufferLength = bufferLength;')
            out('return true;')
            out.close()
            out()
            out('[[nodiscard]] static constexpr std::size_t encodedLength() noexcept { return ENCODED_LENGTH; }')
            out()
            for m in comp.members:
                emit_decoder_member(out, m)
        out.dedent()
        out('private:')
        out.indent()
        out('%s m_buffer = %s;' % ('std::uint8_t*' if mode == 'Encoder' else 'const std::uint8_t*',
                                   'nullptr' if mode == 'Encoder' else 'sbe::ZERO_BLOCK'))
        out('std::size_t m_offset = 0;')
        out('std::size_t m_bufferLength = 0;')
        if mode == 'Decoder':
            out('std::uint16_t m_actingVersion = 0;')
        out.close(';')
        out()
    out('} // namespace %s' % schema.namespace)
    return out.text()


def gen_message(schema, msg):
    out = Out()
    deps = set()
    collect_type_deps(all_members_deep(msg), deps)
    deps.add(cap(schema.header_type))
    preamble(out, schema, STD_INCLUDES, ['%s.hpp' % d for d in deps])
    name = cap(msg.name)
    header = cap(schema.header_type)
    common = [
        'static constexpr std::uint16_t BLOCK_LENGTH = %d;' % msg.block_length,
        'static constexpr std::uint16_t TEMPLATE_ID = %d;' % msg.id,
        'static constexpr std::uint16_t SCHEMA_ID = %d;' % schema.id,
        'static constexpr std::uint16_t SCHEMA_VERSION = %d;' % schema.version,
        'static constexpr std::uint16_t SINCE_VERSION = %d;' % msg.since,
        'static constexpr std::string_view NAME = "%s";' % msg.name,
    ]

    cls = name + 'Encoder'
    out('/// Encoder of %s (template %d). Fill fields in any order, then groups and var data in schema order.'
        % (msg.name, msg.id))
    out('class %s' % cls)
    out('{')
    out('public:')
    out.indent()
    for line in common:
        out(line)
    out()
    out('/// Wraps the block at offset and zeroes it; throws EncodeOverflowException if it would not fit.')
    out('%s& wrapForEncode(std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength)' % cls)
    out.open()
    out('if (offset > bufferLength || bufferLength - offset < BLOCK_LENGTH)')
    out.open()
    out('sbe::throwEncodeOverflow("%s", offset + BLOCK_LENGTH, bufferLength);' % cls)
    out.close()
    out('m_buffer = buffer;')
    out('m_offset = offset;')
    out('m_bufferLength = bufferLength;')
    out('m_position = offset + BLOCK_LENGTH;')
    out('std::memset(buffer + offset, 0, BLOCK_LENGTH);')
    out('return *this;')
    out.close()
    out()
    out('/// Writes the message header at offset, then wraps the block after it.')
    out('%s& wrapAndApplyHeader(std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength, %sEncoder& header)'
        % (cls, header))
    out.open()
    out('header.wrap(buffer, offset, bufferLength)')
    out('    .blockLength(BLOCK_LENGTH)')
    out('    .templateId(TEMPLATE_ID)')
    out('    .schemaId(SCHEMA_ID)')
    out('    .version(SCHEMA_VERSION);')
    out('return wrapForEncode(buffer, offset + %sEncoder::ENCODED_LENGTH, bufferLength);' % header)
    out.close()
    out()
    out('/// Bytes written from the start of the block (the message header is not included).')
    out('[[nodiscard]] std::size_t encodedLength() const noexcept { return m_position - m_offset; }')
    out('[[nodiscard]] std::size_t offset() const noexcept { return m_offset; }')
    out('[[nodiscard]] std::uint8_t* buffer() const noexcept { return m_buffer; }')
    out()
    for m in msg.fields:
        emit_encoder_member(out, m, cls)
    emit_encoder_groups_and_data(out, msg, cls, 'm_position')
    out.dedent()
    out('private:')
    out.indent()
    out('std::uint8_t* m_buffer = nullptr;')
    out('std::size_t m_bufferLength = 0;')
    out('std::size_t m_offset = 0;')
    out('std::size_t m_position = 0;')
    for g in msg.groups:
        out('%sEncoder m_%s;' % (cap(g.name), g.name))
    out.close(';')
    out()

    cls = name + 'Decoder'
    out('/// Decoder of %s (template %d). Never reads outside the buffer it was given; see wrapForDecode.'
        % (msg.name, msg.id))
    out('class %s' % cls)
    out('{')
    out('public:')
    out.indent()
    for line in common:
        out(line)
    out()
    emit_min_block_length(out, msg.fields)
    out('/// Wraps the block at offset (just after the message header) and validates the whole message: the')
    out('/// acting block, every group header and entry, every var-data length. On NONE every accessor is in')
    out('/// bounds; on an error the decoder reads as an empty message of acting version 0.')
    out('[[nodiscard]] sbe::DecodeError wrapForDecode(const std::uint8_t* buffer, std::size_t offset,')
    out('    std::uint16_t actingBlockLength, std::uint16_t actingVersion, std::size_t bufferLength) noexcept')
    out.open()
    out('if (offset > bufferLength || bufferLength - offset < actingBlockLength)')
    out.open()
    out('reset();')
    out('return sbe::DecodeError::TRUNCATED_BLOCK;')
    out.close()
    out('if (actingBlockLength < minBlockLength(actingVersion))')
    out.open()
    out('reset();')
    out('return sbe::DecodeError::INVALID_BLOCK_LENGTH;')
    out.close()
    out('std::size_t end = offset + actingBlockLength;')
    out('const sbe::DecodeError error = validateBody(buffer, end, bufferLength, actingVersion);')
    out('if (error != sbe::DecodeError::NONE)')
    out.open()
    out('reset();')
    out('return error;')
    out.close()
    out('m_buffer = buffer;')
    out('m_offset = offset;')
    out('m_bufferLength = bufferLength;')
    out('m_actingBlockLength = actingBlockLength;')
    out('m_actingVersion = actingVersion;')
    out('m_position = offset + actingBlockLength;')
    out('m_decodedLength = end - offset;')
    out('return sbe::DecodeError::NONE;')
    out.close()
    out()
    out('/// Reads and checks the message header at offset (schema and template id), then wrapForDecode.')
    out('[[nodiscard]] sbe::DecodeError wrapWithHeader(')
    out('    const std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength) noexcept')
    out.open()
    out('%sDecoder header;' % header)
    out('if (!header.wrap(buffer, offset, SCHEMA_VERSION, bufferLength))')
    out.open()
    out('reset();')
    out('return sbe::DecodeError::TRUNCATED_HEADER;')
    out.close()
    out('if (header.schemaId() != SCHEMA_ID)')
    out.open()
    out('reset();')
    out('return sbe::DecodeError::WRONG_SCHEMA_ID;')
    out.close()
    out('if (header.templateId() != TEMPLATE_ID)')
    out.open()
    out('reset();')
    out('return sbe::DecodeError::WRONG_TEMPLATE_ID;')
    out.close()
    out('return wrapForDecode(buffer, offset + %sDecoder::ENCODED_LENGTH, header.blockLength(), header.version(),'
        % header)
    out('    bufferLength);')
    out.close()
    out()
    out('/// Bytes from the start of the block to the end of the last var data, as validated.')
    out('[[nodiscard]] std::size_t decodedLength() const noexcept { return m_decodedLength; }')
    out('[[nodiscard]] std::uint16_t actingBlockLength() const noexcept { return m_actingBlockLength; }')
    out('[[nodiscard]] std::uint16_t actingVersion() const noexcept { return m_actingVersion; }')
    out('[[nodiscard]] std::size_t offset() const noexcept { return m_offset; }')
    out('/// Back to the first group / var data, to read them again.')
    out('void rewind() noexcept { m_position = m_offset + m_actingBlockLength; }')
    out()
    emit_validate(out, msg)
    for m in msg.fields:
        emit_decoder_member(out, m)
    emit_decoder_groups_and_data(out, msg, 'm_position')
    out.dedent()
    out('private:')
    out.indent()
    out('void reset() noexcept')
    out.open()
    out('m_buffer = sbe::ZERO_BLOCK;')
    out('m_offset = 0;')
    out('m_bufferLength = BLOCK_LENGTH;')
    out('m_actingBlockLength = BLOCK_LENGTH;')
    out('m_actingVersion = 0;')
    out('m_position = BLOCK_LENGTH;')
    out('m_decodedLength = 0;')
    out.close()
    out()
    out('const std::uint8_t* m_buffer = sbe::ZERO_BLOCK;')
    out('std::size_t m_bufferLength = BLOCK_LENGTH;')
    out('std::size_t m_offset = 0;')
    out('std::size_t m_position = BLOCK_LENGTH;')
    out('std::size_t m_decodedLength = 0;')
    out('std::uint16_t m_actingBlockLength = BLOCK_LENGTH;')
    out('std::uint16_t m_actingVersion = 0;')
    for g in msg.groups:
        out('%sDecoder m_%s;' % (cap(g.name), g.name))
    out.close(';')
    out('} // namespace %s' % schema.namespace)
    return out.text()


def gen_schema_header(schema):
    out = Out()
    preamble(out, schema, ['cstddef', 'cstdint'], ['%s.hpp' % cap(schema.header_type)])
    out('inline constexpr std::uint16_t SCHEMA_ID = %d;' % schema.id)
    out('inline constexpr std::uint16_t SCHEMA_VERSION = %d;' % schema.version)
    out('inline constexpr const char* SEMANTIC_VERSION = "%s";' % schema.semantic_version)
    out()
    out('/// Template ids, for switch-based dispatch on MessageHeaderDecoder::templateId().')
    out('namespace TemplateId')
    out('{')
    for msg in schema.messages:
        out('inline constexpr std::uint16_t %s = %d;' % (camel_to_upper(cap(msg.name)), msg.id))
    out('} // namespace TemplateId')
    out()
    out('[[nodiscard]] constexpr bool isKnownTemplateId(std::uint16_t templateId) noexcept')
    out.open()
    out('switch (templateId)')
    out.open()
    for msg in schema.messages:
        out('case %d:' % msg.id)
    out('    return true;')
    out('default:')
    out('    return false;')
    out.close()
    out.close()
    out()
    header = cap(schema.header_type)
    out('/// Wraps header at offset and checks it is ours: enough bytes, this schema id and a known template id.')
    out('/// The caller then dispatches on header.templateId() and wraps the decoder with header.blockLength() and')
    out('/// header.version() at offset + %sDecoder::ENCODED_LENGTH.' % header)
    out('[[nodiscard]] inline sbe::DecodeError checkHeader(')
    out('    const std::uint8_t* buffer, std::size_t offset, std::size_t bufferLength, %sDecoder& header) noexcept'
        % header)
    out.open()
    out('if (!header.wrap(buffer, offset, SCHEMA_VERSION, bufferLength))')
    out.open()
    out('return sbe::DecodeError::TRUNCATED_HEADER;')
    out.close()
    out('if (header.schemaId() != SCHEMA_ID)')
    out.open()
    out('return sbe::DecodeError::WRONG_SCHEMA_ID;')
    out.close()
    out('return isKnownTemplateId(header.templateId()) ? sbe::DecodeError::NONE : sbe::DecodeError::UNKNOWN_TEMPLATE;')
    out.close()
    out('} // namespace %s' % schema.namespace)
    return out.text()


def write_if_changed(path, text):
    try:
        with open(path, 'r', encoding='utf-8') as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def generate(schema, output_root):
    parts = schema.package.split('.')
    schema.namespace = '::'.join(parts)
    schema.include_dir = '/'.join(parts)
    out_dir = os.path.join(output_root, *parts)
    os.makedirs(out_dir, exist_ok=True)
    files = {}
    for t in schema.type_order:
        if isinstance(t, Enum):
            files[type_header(t)] = gen_enum(schema, t)
        elif isinstance(t, Set):
            files[type_header(t)] = gen_set(schema, t)
        elif isinstance(t, Composite) and not t.is_var_data():
            files[type_header(t)] = gen_composite(schema, t)
    for msg in schema.messages:
        name = '%s.hpp' % cap(msg.name)
        if name in files:
            raise SchemaError('message %s clashes with a type of the same name' % msg.name)
        files[name] = gen_message(schema, msg)
    pkg = cap(parts[-1])
    files['%sSchema.hpp' % pkg] = gen_schema_header(schema)
    umbrella = Out()
    umbrella('#pragma once')
    umbrella()
    umbrella('// Generated by codecs/generator/sbe_gen.py: every codec of the %s schema. Do not edit.' % schema.package)
    umbrella()
    for name in sorted(files):
        umbrella('#include "%s/%s"' % (schema.include_dir, name))
    files['%sCodecs.hpp' % pkg] = umbrella.text()
    for name, text in files.items():
        write_if_changed(os.path.join(out_dir, name), text)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('schema')
    parser.add_argument('output_root')
    parser.add_argument('--stamp', help='file touched after a successful run (for the build system)')
    args = parser.parse_args()
    try:
        schema = parse_schema(args.schema)
        generate(schema, args.output_root)
    except (SchemaError, ET.ParseError, ValueError) as error:
        print('sbe_gen.py: %s: %s' % (args.schema, error), file=sys.stderr)
        return 1
    if args.stamp:
        with open(args.stamp, 'w', encoding='utf-8') as f:
            f.write('ok\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
