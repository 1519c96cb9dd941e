// Drives the Autotask sandbox with @apigrate/autotask-restapi, a
// third-party Node client of the real Autotask REST API. Run by
// TestApigrateClient (atclient_test.go); prints one JSON object.
const { AutotaskRestApi, AutotaskApiError } = require('@apigrate/autotask-restapi');

const { SANDBOX_URL, AT_USER, AT_SECRET, AT_CODE } = process.env;

async function main() {
  const out = {};
  // The client discovers its zone at <base_url>v1.0/zoneInformation and
  // then talks to the zone's url.
  const api = new AutotaskRestApi(AT_USER, AT_SECRET, AT_CODE, { base_url: `${SANDBOX_URL}/atservicesrest/` });

  // nested filter: vendors, or inactive companies whose name contains "e"
  const nested = {
    filter: [{
      op: 'or', items: [
        { op: 'eq', field: 'companyType', value: 7 },
        { op: 'and', items: [{ op: 'eq', field: 'isActive', value: false }, { op: 'contains', field: 'companyName', value: 'e' }] },
      ],
    }],
  };
  const companies = await api.Companies.query(nested);
  out.zoneUrl = api.zoneInfo && api.zoneInfo.url;
  out.nested = { items: companies.items.length, count: (await api.Companies.count(nested)).queryCount };

  // paging the way the client's users page: id > last id, 500 at a time
  let last = 0, pages = 0;
  const seen = new Set();
  for (;;) {
    const page = await api.ConfigurationItems.query({ maxRecords: 500, filter: [{ op: 'gt', field: 'id', value: last }] });
    if (page.items.length === 0) break;
    pages++;
    page.items.forEach((it) => seen.add(it.id));
    last = page.items[page.items.length - 1].id;
    if (!page.pageDetails.nextPageUrl) break;
  }
  out.idPaging = { pages, distinct: seen.size };

  // following nextPageUrl (the client returns it; requests carry the same headers)
  const headers = { 'Content-Type': 'application/json', ApiIntegrationcode: AT_CODE, UserName: AT_USER, Secret: AT_SECRET };
  let page = await api.ConfigurationItems.query({ filter: [{ op: 'exist', field: 'id' }] });
  const viaNext = new Set(page.items.map((it) => it.id));
  let nextPages = 1;
  while (page.pageDetails.nextPageUrl) {
    page = await (await fetch(page.pageDetails.nextPageUrl, { headers })).json();
    page.items.forEach((it) => viaNext.add(it.id));
    nextPages++;
  }
  out.nextPaging = { pages: nextPages, distinct: viaNext.size };

  // get, create (top level and child), patch
  const first = (await api.ConfigurationItems.query({ maxRecords: 1, filter: [{ op: 'exist', field: 'referenceTitle' }] })).items[0];
  const got = await api.ConfigurationItems.get(first.id);
  out.get = { same: got.item.referenceTitle === first.referenceTitle };

  const created = await api.Companies.create({ companyName: 'Node Client Co', companyType: 1, phone: '555-0199', ownerResourceID: first.installedByID || 29682885, isActive: true });
  const loc = await api.CompanyLocations.create(created.itemId, { name: 'Node HQ', city: 'Austin', isPrimary: true });
  const contact = await api.CompanyContacts.create(created.itemId, { firstName: 'Nora', lastName: 'Node', isActive: 1, companyLocationID: loc.itemId });
  const ci = await api.ConfigurationItems.create({ companyID: created.itemId, configurationItemType: 1, productID: first.productID, isActive: true, referenceTitle: 'NODE-01', contactID: contact.itemId });
  await api.ConfigurationItems.update({ id: ci.itemId, notes: 'patched from node' });
  const ciAfter = (await api.ConfigurationItems.get(ci.itemId)).item;
  out.created = { company: created.itemId, contactCompany: (await api.Contacts.get(contact.itemId)).item.companyID, ciNotes: ciAfter.notes, ciTitle: ciAfter.referenceTitle };

  // errors
  try {
    await api.Companies.create({ companyName: 'incomplete' });
    out.invalid = { status: 0 };
  } catch (e) {
    out.invalid = { status: e.status, errors: (e.details && e.details.errors) || [] };
  }
  out.missing = await api.Companies.get(999999); // the client maps 404 to null
  const bad = new AutotaskRestApi(AT_USER, 'wrong-secret', AT_CODE, { base_url: `${SANDBOX_URL}/atservicesrest/` });
  try {
    await bad.Companies.get(created.itemId);
    out.badSecret = 0;
  } catch (e) {
    out.badSecret = e instanceof AutotaskApiError ? e.status : -1;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\n' + JSON.stringify((e && e.details) || null) + '\n');
  process.exit(1);
});
