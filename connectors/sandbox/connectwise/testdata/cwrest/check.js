// Drives the ConnectWise sandbox with the third-party npm client
// connectwise-rest (https://www.npmjs.com/package/connectwise-rest).
// Run by TestConnectwiseRestClient; configuration comes from CW_* variables.
'use strict';

const assert = require('assert');
const { ManageAPI } = require('connectwise-rest');

const opts = {
  companyId: process.env.CW_COMPANY,
  companyUrl: process.env.CW_HOST, // host:port; the client always uses https
  publicKey: process.env.CW_PUBLIC,
  privateKey: process.env.CW_PRIVATE,
  clientId: process.env.CW_CLIENTID,
  entryPoint: 'v4_6_release',
  logger: () => {},
};

let checks = 0;
function check(cond, msg) {
  assert.ok(cond, msg);
  checks++;
}

async function main() {
  const cwm = new ManageAPI(opts);

  const info = await cwm.SystemAPI.getSystemInfo();
  check(typeof info.version === 'string', 'system info has a version');

  const customers = await cwm.CompanyAPI.getCompanyCompanies({
    conditions: 'types/name = "Customer" and status/name = "Active"', orderBy: 'name asc', pageSize: 10,
  });
  check(customers.length === 10, `10 customers, got ${customers.length}`);
  for (const c of customers) {
    check(c.types[0].name === 'Customer' && c.status.name === 'Active', `company ${c.id} matches the conditions`);
  }
  for (let i = 1; i < customers.length; i++) {
    check(customers[i - 1].name.toLowerCase() <= customers[i].name.toLowerCase(), 'ordered by name');
  }

  // The library's paginate() keeps asking for pages until one is short.
  const cond = { conditions: 'type/name != "Personal Device"' };
  const all = await cwm.paginate(cwm.CompanyAPI.getCompanyConfigurations, { pageSize: 100 }, undefined, { ...cond });
  const count = await cwm.CompanyAPI.getCompanyConfigurationsCount(undefined, { ...cond });
  check(all.length === count.count && count.count > 100, `paginate got ${all.length} of ${count.count}`);
  check(new Set(all.map((c) => c.id)).size === all.length, 'no configuration twice');

  // Create a ticket the way the library's README does.
  const company = customers[0];
  const ticket = await cwm.ServiceAPI.postServiceTickets({
    summary: 'Printer offline in reception', board: { name: 'Help Desk' },
    company: { identifier: company.identifier }, initialDescription: 'Shows error 49.', recordType: 'ServiceTicket',
  });
  check(ticket.id > 0 && ticket.company.id === company.id && ticket.status.name === 'New', 'ticket created');
  const statuses = await cwm.ServiceAPI.getServiceBoardsByParentIdStatuses(ticket.board.id, { conditions: 'name = "In Progress"' });
  check(statuses.length === 1, 'board status found');
  const patched = await cwm.ServiceAPI.patchServiceTicketsById(ticket.id, [{ op: 'replace', path: 'status', value: { id: statuses[0].id } }]);
  check(patched.status.name === 'In Progress', 'ticket status patched');
  const notes = await cwm.ServiceAPI.getServiceTicketsByParentIdNotes(ticket.id);
  check(notes.length === 1 && notes[0].text === 'Shows error 49.', 'initial description became a note');

  const cfg = all[0];
  const updated = await cwm.CompanyAPI.patchCompanyConfigurationsById(cfg.id, [{ op: 'replace', path: '/notes', value: 'checked by connectwise-rest' }]);
  check(updated.notes === 'checked by connectwise-rest' && updated._info.lastUpdated, 'configuration patched');

  const bulk = await cwm.CompanyAPI.postCompanyConfigurationsBulk([
    { name: 'CWREST-01', type: { name: 'Firewall' }, company: { id: company.id } },
    { name: 'CWREST-02', company: { id: company.id } },
  ]);
  check(bulk.payload.length === 2 && bulk.payload[0].success && !bulk.payload[1].success, 'bulk results per record');

  // Errors reach the caller with ConnectWise's body.
  try {
    await cwm.CompanyAPI.postCompanyConfigurations({ name: 'no type or company' });
    assert.fail('invalid configuration accepted');
  } catch (e) {
    const fields = (e.data && e.data.errors || []).map((x) => x.field).sort().join(',');
    check(e.status === 400 && e.data.code === 'InvalidObject' && fields === 'company,type', `validation error ${JSON.stringify(e.data)}`);
  }
  try {
    await new ManageAPI({ ...opts, privateKey: 'wrong' }).SystemAPI.getSystemInfo();
    assert.fail('wrong key accepted');
  } catch (e) {
    check(e.status === 401 && e.data.code === 'Unauthorized', `wrong key ${e.status} ${JSON.stringify(e.data)}`);
  }
  console.log(`ok ${checks} checks`);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : JSON.stringify(e));
  process.exit(1);
});
