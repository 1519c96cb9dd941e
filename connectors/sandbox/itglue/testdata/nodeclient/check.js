// Drives the IT Glue sandbox with node-itglue, a third-party npm client of
// the real API. Run by TestNodeITGlueClient; prints one JSON line.
'use strict';
const ITGlue = require('node-itglue');

const base = process.env.SANDBOX_URL;
const key = process.env.SANDBOX_KEY;

function client(apikey) {
  const c = new ITGlue({apikey, timeout: 30000});
  c.config.baseURL = base; // the client hard-codes api.itglue.com
  c.config.proxy = false;
  return c;
}

async function status(promise) {
  try {
    await promise;
    return 'no error';
  } catch (e) {
    return {status: e.status, title: e.data && e.data.errors && e.data.errors[0].title};
  }
}

(async () => {
  const itg = client(key);
  const out = {};

  // Every configuration, 1000 per page, newest first, following meta.next-page.
  const seen = new Set();
  let page = 1;
  let pages = 0;
  let total = -1;
  for (;;) {
    const res = await itg.get({path: '/configurations', params: {'page[size]': 1000, 'page[number]': page, sort: '-updated_at'}});
    res.data.forEach((r) => seen.add(r.id));
    pages++;
    total = res.meta['total-count'];
    if (res.meta['next-page'] === null) break;
    page = res.meta['next-page'];
  }
  out.configs = {pages, distinct: seen.size, total};

  const orgs = await itg.get({path: '/organizations', params: {'page[size]': 1}});
  const orgId = orgs.data[0].id;
  const types = await itg.get({path: '/configuration_types', params: {'filter[name]': 'Managed Server'}});
  const typeId = Number(types.data[0].id);

  const nested = await itg.get({path: `/organizations/${orgId}/relationships/configurations`, params: {'page[size]': 1000}});
  out.nested = {count: nested.data.length, allInOrg: nested.data.every((r) => String(r.attributes['organization-id']) === orgId)};

  const created = await itg.post({
    path: `/organizations/${orgId}/relationships/configurations`,
    body: {data: [
      {type: 'configurations', attributes: {name: 'NODE-1', configuration_type_id: typeId}},
      {type: 'configurations', attributes: {name: 'NODE-BAD', configuration_type_id: 1}},
      {type: 'configurations', attributes: {'name': 'NODE-2', 'configuration-type-id': typeId}},
    ]},
  });
  out.created = created.data.map((r) => r.attributes.name);
  out.createErrors = (created.meta && created.meta.errors || []).map((e) => e.source.pointer);

  const id = created.data[0].id;
  const patched = await itg.patch({path: `/configurations/${id}`, body: {data: {type: 'configurations', attributes: {notes: 'from node'}}}});
  out.patched = {notes: patched.data.attributes.notes, type: patched.data.attributes['configuration-type-name']};

  const bulk = await itg.patch({path: '/configurations', body: {data: created.data.map((r) => ({type: 'configurations', attributes: {id: r.id, archived: true}}))}});
  out.bulkArchived = bulk.data.filter((r) => r.attributes.archived).length;

  out.badKey = await status(client('ITG.wrong').get({path: '/organizations'}));
  out.psaWithoutType = await status(itg.get({path: '/configurations', params: {'filter[psa_id]': '12'}}));
  out.notFound = await status(itg.get({path: '/configurations/1'}));

  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error('FAILED', e && (e.status || e.message), e && e.data && JSON.stringify(e.data));
  process.exit(1);
});
