// Parse .ics files with ical.js (Thunderbird's parser) and print every VEVENT's occurrences
// as JSON, converted to UTC with the file's own VTIMEZONE definitions.
//
// Usage: node expand.mjs UNTIL FILE...   (UNTIL: ISO date; series are expanded up to it)
// Output: one JSON object {FILE: result}, where result is {error} or
//   {method, events: [{uid, recurrenceId, sequence, summary, description, location, status,
//   organizer, attendees, alarms, occurrences: [{start, end, recurrenceId, summary,
//   description, location, status}]}]}.
// A start/end is "YYYY-MM-DD" for a date value, else an ISO instant in UTC.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const MAX_OCCURRENCES = 5000;

function when(time) {
  if (time === null || time === undefined) return null;
  if (time.isDate) return time.toString();
  if (!time.zone || time.zone === ICAL.Timezone.localTimezone) {
    throw new Error("floating time or unknown TZID: " + time.toString());
  }
  return time.toJSDate().toISOString();
}

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : String(value);
}

function describe(details) {
  const item = details.item.component;
  return {
    start: when(details.startDate),
    end: when(details.endDate),
    recurrenceId: when(details.recurrenceId),
    summary: text(item, "summary"),
    description: text(item, "description"),
    location: text(item, "location"),
    status: text(item, "status"),
  };
}

function parseFile(path, until) {
  const source = readFileSync(path, "utf8");
  const root = new ICAL.Component(ICAL.parse(source));
  const vevents = root.getAllSubcomponents("vevent");
  const masters = new Map();
  const orphans = [];
  for (const vevent of vevents) {
    if (!vevent.hasProperty("recurrence-id")) masters.set(text(vevent, "uid"), new ICAL.Event(vevent));
  }
  for (const vevent of vevents) {
    if (!vevent.hasProperty("recurrence-id")) continue;
    const master = masters.get(text(vevent, "uid"));
    if (master) master.relateException(vevent);
    else orphans.push(new ICAL.Event(vevent));
  }
  const events = [];
  for (const vevent of vevents) {
    const event = new ICAL.Event(vevent);
    const entry = {
      uid: event.uid,
      recurrenceId: when(event.recurrenceId),
      sequence: event.sequence,
      summary: text(vevent, "summary"),
      description: text(vevent, "description"),
      location: text(vevent, "location"),
      status: text(vevent, "status"),
      organizer: text(vevent, "organizer"),
      attendees: vevent.getAllProperties("attendee").map((p) => String(p.getFirstValue())),
      alarms: vevent.getAllSubcomponents("valarm").length,
      occurrences: [],
    };
    const master = masters.get(event.uid);
    if (event.recurrenceId === null && master) {
      if (master.isRecurring()) {
        const iterator = master.iterator();
        let next;
        while ((next = iterator.next())) {
          if (next.compare(until) >= 0 || entry.occurrences.length >= MAX_OCCURRENCES) break;
          entry.occurrences.push(describe(master.getOccurrenceDetails(next)));
        }
      } else {
        entry.occurrences.push(
          describe({ item: master, startDate: master.startDate, endDate: master.endDate, recurrenceId: null }),
        );
      }
    } else if (orphans.some((o) => o.component === vevent)) {
      // An override without its series (an invitation for one occurrence): it stands alone.
      entry.occurrences.push(
        describe({ item: event, startDate: event.startDate, endDate: event.endDate, recurrenceId: event.recurrenceId }),
      );
    }
    events.push(entry);
  }
  return { method: text(root, "method"), events };
}

const [untilText, ...files] = process.argv.slice(2);
const until = ICAL.Time.fromDateTimeString(untilText + "T00:00:00Z");
until.zone = ICAL.Timezone.utcTimezone;
const results = {};
for (const path of files) {
  try {
    results[path] = parseFile(path, until);
  } catch (error) {
    results[path] = { error: String(error && error.stack ? error.message : error) };
  }
}
process.stdout.write(JSON.stringify(results));
