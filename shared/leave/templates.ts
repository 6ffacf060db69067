/**
 * Automatic-reply templates per locale. Placeholders: {{name}}, {{firstDayBack}} (formatted in the
 * locale), {{delegateName}}, {{delegateEmail}}, {{delegatePhone}}, and a section
 * {{#delegate}}...{{/delegate}} kept only when the event names a delegate. Values are HTML-escaped
 * because the replies are HTML; the EWS client then XML-escapes the whole reply.
 */
export interface ReplyTemplate {
  internal: string;
  external: string;
}

export type TemplateSet = Record<string, ReplyTemplate>;

export const DEFAULT_TEMPLATES: TemplateSet = {
  en: {
    internal:
      '<p>Hello,</p><p>{{name}} is on leave and will be back on {{firstDayBack}}.</p>' +
      '{{#delegate}}<p>For anything urgent, please contact {{delegateName}}{{delegateContact}}.</p>{{/delegate}}',
    external:
      '<p>Thank you for your message. {{name}} is out of the office and back on {{firstDayBack}}; your e-mail will not be forwarded.</p>' +
      '{{#delegate}}<p>For urgent matters, please contact {{delegateName}}{{delegateContact}}.</p>{{/delegate}}',
  },
  de: {
    internal:
      '<p>Hallo,</p><p>{{name}} ist im Urlaub und ab {{firstDayBack}} wieder da.</p>' +
      '{{#delegate}}<p>In dringenden Fällen wende dich bitte an {{delegateName}}{{delegateContact}}.</p>{{/delegate}}',
    external:
      '<p>Vielen Dank für Ihre Nachricht. {{name}} ist ab {{firstDayBack}} wieder erreichbar; Ihre E-Mail wird nicht weitergeleitet.</p>' +
      '{{#delegate}}<p>In dringenden Fällen wenden Sie sich bitte an {{delegateName}}{{delegateContact}}.</p>{{/delegate}}',
  },
  fr: {
    internal:
      '<p>Bonjour,</p><p>{{name}} est en congé et sera de retour le {{firstDayBack}}.</p>' +
      '{{#delegate}}<p>Pour toute urgence, contactez {{delegateName}}{{delegateContact}}.</p>{{/delegate}}',
    external:
      '<p>Merci pour votre message. {{name}} est absent(e) et sera de retour le {{firstDayBack}} ; votre message ne sera pas transféré.</p>' +
      '{{#delegate}}<p>Pour toute urgence, veuillez contacter {{delegateName}}{{delegateContact}}.</p>{{/delegate}}',
  },
};

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`,
  );
}

/** The template for `locale`: exact tag, then its language, then the fallback locale, then English. */
export function pickTemplate(
  templates: TemplateSet,
  locale: string | undefined,
  fallback = 'en',
): { locale: string; template: ReplyTemplate } {
  const candidates: string[] = [];
  if (locale) {
    const parts = locale.split('-');
    for (let i = parts.length; i > 0; i--) candidates.push(parts.slice(0, i).join('-'));
  }
  candidates.push(fallback, 'en');
  const keys = new Map(Object.keys(templates).map((k) => [k.toLowerCase(), k]));
  for (const c of candidates) {
    const key = keys.get(c.toLowerCase());
    const template = key === undefined ? undefined : templates[key];
    if (key !== undefined && template) return { locale: key, template };
  }
  const en = DEFAULT_TEMPLATES.en as ReplyTemplate;
  return { locale: 'en', template: en };
}

export interface TemplateValues {
  name: string;
  firstDayBack: string;
  delegate?: { name: string; email?: string; phone?: string };
}

/** `2025-04-07` as the locale writes it (e.g. "Monday, 7 April 2025"); ISO if the locale is unknown. */
export function formatDay(date: string, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone: 'UTC' }).format(
      new Date(`${date}T00:00:00Z`),
    );
  } catch {
    return date;
  }
}

/**
 * A reply's text as Exchange can store it, so that what the app holds as "the reply we set" is what the
 * mailbox will show. XML 1.0 (section 2.2, Char) cannot carry C0 control characters other than tab, line feed
 * and carriage return, lone surrogates, U+FFFE or U+FFFF, not even as references: the EWS client would drop
 * or re-encode them on the way and the reply read back would differ from ours. Form feed and vertical tab
 * separate words, so they become a space; the other controls are dropped; a lone surrogate, U+FFFE and U+FFFF
 * become U+FFFD (what a UTF-8 encoder writes for a lone surrogate). Line breaks become line feeds, as an XML
 * parser delivers them (XML 1.0 section 2.11: CR LF and a lone CR are read as LF).
 */
export function replyText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      .replace(/[\f\v]/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000e-\u001f]/g, '')
      .replace(
        /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g,
        '\uFFFD',
      )
  );
}

/** Fills one template string; every value is HTML-escaped. */
export function renderTemplate(template: string, values: TemplateValues): string {
  const d = values.delegate;
  const contact = d ? [d.email, d.phone].filter((x): x is string => !!x) : [];
  const plain: Record<string, string> = {
    name: values.name,
    firstDayBack: values.firstDayBack,
    delegateName: d?.name ?? '',
    delegateEmail: d?.email ?? '',
    delegatePhone: d?.phone ?? '',
  };
  const withSections = template.replace(
    /\{\{#delegate\}\}([\s\S]*?)\{\{\/delegate\}\}/g,
    (_m, inner: string) => (d ? inner : ''),
  );
  return withSections.replace(/\{\{(\w+)\}\}/g, (m, key: string) => {
    if (key === 'delegateContact') return contact.length ? ` (${contact.map(escapeHtml).join(', ')})` : '';
    const value = plain[key];
    return value === undefined ? m : escapeHtml(value);
  });
}
