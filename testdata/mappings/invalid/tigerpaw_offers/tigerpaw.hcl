# Tigerpaw (Tigerpaw One), REST API.
#
# Tigerpaw syncs into the documentation system only: accounts and active
# contacts, one way, and no configurations. It has no location records:
# locations are derived from the address blocks of accounts and contacts.
#
# DESIGNED: the wire protocol is not published. Paths, field names,
# envelopes, paging and filters below follow the sandbox of this project
# (connectors/sandbox/tigerpaw), a conventional .NET REST API under
# /api/v1; a real tenant may differ in any of them.
#
# Records are PascalCase JSON objects, every field present (null when
# empty). Accounts: AccountNumber (id), AccountID (short code), AccountName,
# AccountType, Status, Address {Address1, Address2, City, State, ZipCode,
# Country}, PhoneNumbers [{Type, Number, Extension, IsPrimary}]. Contacts:
# ContactNumber (id), AccountNumber, FirstName, LastName, Title,
# PersonalNotes, Active, EmailAddresses [{Address, Type, IsPrimary}],
# PhoneNumbers, Address.

variable "tp_base_url" {
  env         = "TP_BASE_URL"
  description = "Root of the Tigerpaw server's REST API, without /api/v1."
}

variable "tp_public_key" {
  env         = "TP_PUBLIC_KEY"
  description = "Public key of the account rep the API keys were generated for."
}

variable "tp_private_key" {
  env         = "TP_PRIVATE_KEY"
  sensitive   = true
  description = "Private key of the same account rep."
}

system "tigerpaw" {
  title        = "Tigerpaw"
  role         = "psa"
  base_url     = "${var.tp_base_url}/api/v1"
  content_type = "application/json"
  time_format  = "2006-01-02T15:04:05.000Z"
  filter       = "query"
  # One way into the documentation system: nothing is ever written to
  # Tigerpaw (its API takes JSON merge patches, unused here).
  write = "none"

  # Authorization: Basic base64(publicKey:privateKey)
  auth "basic" {
    username = var.tp_public_key
    password = var.tp_private_key
  }

  # 300 requests per minute per public key; more are answered 429 with
  # Retry-After.
  rate_limit {
    window_requests = 300
    window_seconds  = 60
    concurrency     = 4
  }

  retry {
    max_attempts    = 8
    initial_backoff = 1
    max_backoff     = 60
  }

  # Lists: {"Items": [...], "Page", "PageSize", "TotalCount", "TotalPages"},
  # page from 1, at most 500 records a page.
  paging "page_number" {
    page_param  = "page"
    size_param  = "pageSize"
    max_size    = 500
    stop        = "total_pages"
    total_pages = "TotalPages"
    total_count = "TotalCount"
  }

  # Single records are bare objects; errors are {Code, Message, Errors:
  # [{Field, Code, Message}]}.
  envelope {
    items         = "Items"
    item          = ""
    error_message = ["Errors.0.Message", "Message"]
  }

  # modifiedAfter keeps the records modified strictly after the cursor.
  changed_since "filter" {
    param    = "modifiedAfter"
    template = "${cursor}"
    format   = "2006-01-02T15:04:05.000Z"
  }

  object "organization" {
    list_path         = "/accounts"
    id                = "AccountNumber"
    updated           = "DateModified"
    created           = "DateCreated"
    offers            = ["to_doc"]
    default_direction = "to_doc"

    field "name" {
      path = "AccountName"
    }
    field "short_name" {
      path = "AccountID"
    }
    field "type" {
      path = "AccountType"
    }
    field "status" {
      path = "Status"
    }
    # The account's address is its primary location: the location this
    # account's address derives (the same id as the location's derive id).
    field "primary_location" {
      path         = "Address"
      access       = "read"
      to_canonical = "trim(record.Address?.Address1) == '' ? nil : string(record.AccountNumber) + '|' + lower(trim(record.Address?.Address1)) + '|' + lower(trim(record.Address?.Address2)) + '|' + lower(trim(record.Address?.City)) + '|' + lower(trim(record.Address?.State)) + '|' + lower(trim(record.Address?.Country))"
    }
  }

  # No location records: each account's and each active contact's address
  # gives a location of the account, one per distinct address (address 1,
  # address 2, city, state, country) within the account. The account's own
  # address comes first, so when a contact shares it the account's phone
  # and fax win. A changed address is a new location; the old one is no
  # longer derived and the next full run orphans it.
  object "location" {
    offers            = ["to_doc"]
    default_direction = "to_doc"

    derive {
      from = "organization"
      each = <<EOT
let a = record.Address;
let voice = filter(record.PhoneNumbers ?? [], #.Type != 'Fax' && trim(#.Number) != '');
let main = filter(voice, #.IsPrimary == true);
let fax = filter(record.PhoneNumbers ?? [], #.Type == 'Fax' && trim(#.Number) != '');
trim(a?.Address1) == '' ? [] : [{
  'account': record.AccountNumber,
  'address_1': a.Address1, 'address_2': a.Address2, 'city': a.City,
  'state': a.State, 'zip': a.ZipCode, 'country': a.Country,
  'phone': len(main) > 0 ? drop_extension(main[0].Number) : (len(voice) > 0 ? drop_extension(voice[0].Number) : nil),
  'fax': len(fax) > 0 ? fax[0].Number : nil
}]
EOT
      id   = "string(item.account) + '|' + lower(trim(item.address_1)) + '|' + lower(trim(item.address_2)) + '|' + lower(trim(item.city)) + '|' + lower(trim(item.state)) + '|' + lower(trim(item.country))"
    }
    derive {
      from = "contact"
      each = <<EOT
let a = record.Address;
let voice = filter(record.PhoneNumbers ?? [], #.Type != 'Fax' && trim(#.Number) != '');
let main = filter(voice, #.IsPrimary == true);
let fax = filter(record.PhoneNumbers ?? [], #.Type == 'Fax' && trim(#.Number) != '');
trim(a?.Address1) == '' ? [] : [{
  'account': record.AccountNumber,
  'address_1': a.Address1, 'address_2': a.Address2, 'city': a.City,
  'state': a.State, 'zip': a.ZipCode, 'country': a.Country,
  'phone': len(main) > 0 ? drop_extension(main[0].Number) : (len(voice) > 0 ? drop_extension(voice[0].Number) : nil),
  'fax': len(fax) > 0 ? fax[0].Number : nil
}]
EOT
      id   = "string(item.account) + '|' + lower(trim(item.address_1)) + '|' + lower(trim(item.address_2)) + '|' + lower(trim(item.city)) + '|' + lower(trim(item.state)) + '|' + lower(trim(item.country))"
    }

    field "organization" {
      path = "account"
    }
    # The location is named after its first address line.
    field "name" {
      path = "address_1"
    }
    field "address_1" {
      path = "address_1"
    }
    field "address_2" {
      path = "address_2"
    }
    field "city" {
      path = "city"
    }
    # Tigerpaw keeps the state or province as typed, usually its postal
    # code; the documentation system names regions in full.
    field "state" {
      path         = "state"
      to_canonical = <<EOT
let names = {
  'AL': 'Alabama', 'AK': 'Alaska', 'AZ': 'Arizona', 'AR': 'Arkansas', 'CA': 'California', 'CO': 'Colorado',
  'CT': 'Connecticut', 'DE': 'Delaware', 'DC': 'District of Columbia', 'FL': 'Florida', 'GA': 'Georgia',
  'HI': 'Hawaii', 'ID': 'Idaho', 'IL': 'Illinois', 'IN': 'Indiana', 'IA': 'Iowa', 'KS': 'Kansas',
  'KY': 'Kentucky', 'LA': 'Louisiana', 'ME': 'Maine', 'MD': 'Maryland', 'MA': 'Massachusetts',
  'MI': 'Michigan', 'MN': 'Minnesota', 'MS': 'Mississippi', 'MO': 'Missouri', 'MT': 'Montana',
  'NE': 'Nebraska', 'NV': 'Nevada', 'NH': 'New Hampshire', 'NJ': 'New Jersey', 'NM': 'New Mexico',
  'NY': 'New York', 'NC': 'North Carolina', 'ND': 'North Dakota', 'OH': 'Ohio', 'OK': 'Oklahoma',
  'OR': 'Oregon', 'PA': 'Pennsylvania', 'RI': 'Rhode Island', 'SC': 'South Carolina', 'SD': 'South Dakota',
  'TN': 'Tennessee', 'TX': 'Texas', 'UT': 'Utah', 'VT': 'Vermont', 'VA': 'Virginia', 'WA': 'Washington',
  'WV': 'West Virginia', 'WI': 'Wisconsin', 'WY': 'Wyoming',
  'AB': 'Alberta', 'BC': 'British Columbia', 'MB': 'Manitoba', 'NB': 'New Brunswick',
  'NL': 'Newfoundland and Labrador', 'NS': 'Nova Scotia', 'NT': 'Northwest Territories', 'NU': 'Nunavut',
  'ON': 'Ontario', 'PE': 'Prince Edward Island', 'QC': 'Quebec', 'SK': 'Saskatchewan', 'YT': 'Yukon'
};
trim(value) == '' ? nil : (names[upper(trim(value))] ?? trim(value))
EOT
    }
    field "postal_code" {
      path = "zip"
    }
    field "country" {
      path = "country"
    }
    # The account's primary number that is not a fax (the first such number
    # when none is marked primary), without its extension; the contact's,
    # the same way, for a contact's address.
    field "phone" {
      path = "phone"
    }
    field "fax" {
      path = "fax"
    }
  }

  # Inactive contacts are served like active ones: the list asks for the
  # active ones only, so an inactive contact never reaches the
  # documentation system (a contact made inactive drops out of the next
  # full listing, and its link is orphaned).
  object "contact" {
    list_path         = "/contacts"
    query             = { active = "true" }
    id                = "ContactNumber"
    updated           = "DateModified"
    created           = "DateCreated"
    offers            = ["to_doc"]
    default_direction = "to_doc"

    field "organization" {
      path = "AccountNumber"
    }
    field "first_name" {
      path = "FirstName"
    }
    field "last_name" {
      path = "LastName"
    }
    field "title" {
      path = "Title"
    }
    field "notes" {
      path = "PersonalNotes"
    }
    field "emails" {
      path         = "EmailAddresses"
      access       = "read"
      to_canonical = "map(filter(value ?? [], trim(#.Address) != ''), ({'value': #.Address, 'type': #.Type, 'primary': #.IsPrimary == true}))"
    }
    # One entry per phone type: of several numbers of one type, the primary
    # one, else the first. The primary number is marked; extensions are kept
    # (the documentation system holds a phone's extension).
    field "phones" {
      path         = "PhoneNumbers"
      access       = "read"
      to_canonical = <<EOT
let ph = filter(value ?? [], trim(#.Number) != '');
let keep = filter(0..(len(ph) - 1), let e = ph[#]; e.IsPrimary == true || (none(ph, .Type == e.Type && .IsPrimary == true) && findIndex(ph, .Type == e.Type) == #));
map(keep, let e = ph[#]; {'value': e.Number, 'type': e.Type, 'extension': e.Extension, 'primary': e.IsPrimary == true})
EOT
    }
  }
}
