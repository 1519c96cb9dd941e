# Pulseway PSA, API 2.0 (under /v2).
#
# Pulseway PSA serves the API of Kaseya BMS (the same login, envelope,
# search routes, JSON Patch updates and limit of 1500 calls per hour per
# endpoint), and IT Glue maps both with one field table. This file is
# mappings/kaseya_bms.hcl with Pulseway's names (variables, title, host,
# reasons): the language has no way for one system to extend another, so
# the two system blocks are kept parallel, block by block. A change to
# one belongs in the other.

variable "pulseway_base_url" {
  env         = "PULSEWAY_BASE_URL"
  default     = "https://psa.pulseway.com"
  description = "Pulseway PSA API host, without /v2."
}

variable "pulseway_tenant" {
  env         = "PULSEWAY_TENANT"
  description = "Pulseway PSA company (tenant) name used at login."
}

variable "pulseway_username" {
  env         = "PULSEWAY_USERNAME"
  description = "Pulseway PSA API user name."
}

variable "pulseway_password" {
  env         = "PULSEWAY_PASSWORD"
  sensitive   = true
  description = "Pulseway PSA API user password."
}

system "pulseway_psa" {
  title        = "Pulseway PSA"
  role         = "psa"
  base_url     = "${var.pulseway_base_url}/v2"
  content_type = "application/json"
  time_format  = "2006-01-02T15:04:05Z"
  filter       = "query"
  write        = "json_patch"

  auth "token" {
    path         = "/security/authenticate"
    encoding     = "multipart"
    fields       = { GrantType = "password", Tenant = var.pulseway_tenant, UserName = var.pulseway_username, Password = var.pulseway_password }
    token_path   = "Result.AccessToken"
    expires_path = "Result.AccessTokenExpireOn"

    refresh {
      token_path = "Result.RefreshToken"
      fields     = { GrantType = "refresh_token", RefreshToken = "${refresh_token}" }
    }
  }

  # 1500 calls per hour per endpoint: each object below keeps its own
  # budget on top of this.
  rate_limit {
    requests_per_second = 10
    burst               = 10
    concurrency         = 4
  }

  retry {
    max_attempts    = 8
    initial_backoff = 1
    max_backoff     = 60
  }

  # The search routes: {PageSize, PageNumber, Filter{...}} in a POST body;
  # TotalRecords counts every match.
  paging "body" {
    page_param  = "PageNumber"
    size_param  = "PageSize"
    first_page  = 1
    max_size    = 100
    total_count = "TotalRecords"
  }

  envelope {
    items         = "Result"
    item          = "Result"
    success       = "Success"
    status        = "Error.Code"
    error_message = ["Error.SubErrors.0", "Error.Message"]
  }

  # Filter.ModifiedOnFrom, a member of the search body.
  changed_since "filter" {
    param    = "Filter.ModifiedOnFrom"
    template = "${cursor}"
    format   = "2006-01-02T15:04:05Z"
  }

  # Accounts. Two-way sync is offered but off unless a sync turns it on.
  object "organization" {
    list_path         = "/crm/accounts/search"
    item_path         = "/crm/accounts/{id}"
    create_path       = "/crm/accounts"
    id                = "Id"
    updated           = "ModifiedOn"
    created           = "CreatedOn"
    offers            = ["to_doc", "two_way"]
    default_direction = "to_doc"

    update {
      content_type = "application/json-patch+json"
    }
    rate_limit {
      window_requests = 1500
      window_seconds  = 3600
    }

    field "name" {
      path               = "AccountName"
      required_on_create = true
    }
    field "short_name" {
      path               = "AccountCode"
      required_on_create = true
    }
    field "type" {
      path               = "AccountType"
      write_path         = "AccountTypeId"
      lookup             = "account_type"
      required_on_create = true
    }
    # Accounts have an active flag, no status list.
    field "status" {
      path           = "IsActive"
      to_canonical   = "value == false ? 'Inactive' : 'Active'"
      from_canonical = "value != 'Inactive'"
    }
    field "parent" {
      path = "ParentId"
    }
    # The main location follows the location flagged IsMain: read-only.
    field "primary_location" {
      path   = "MainLocationId"
      access = "read"
    }
  }

  # Locations of every account (one search route), each with its address
  # as the first entry of Addresses. They are written under their account.
  object "location" {
    list_path         = "/crm/locations/search"
    item_path         = "/crm/accounts/{ref:organization}/locations/{id}"
    create_path       = "/crm/accounts/{ref:organization}/locations"
    id                = "Id"
    updated           = "ModifiedOn"
    created           = "CreatedOn"
    offers            = ["to_doc", "two_way"]
    default_direction = "to_doc"

    update {
      content_type = "application/json-patch+json"
    }
    rate_limit {
      window_requests = 1500
      window_seconds  = 3600
    }

    # The route names the account a location is created under.
    field "organization" {
      path               = "AccountId"
      required_on_create = true
    }
    field "name" {
      path               = "LocationName"
      required_on_create = true
    }
    field "address_1" {
      path = "Addresses.0.Address1"
    }
    field "address_2" {
      path = "Addresses.0.Address2"
    }
    field "city" {
      path = "Addresses.0.City"
    }
    field "state" {
      path = "Addresses.0.State"
    }
    field "postal_code" {
      path = "Addresses.0.ZipCode"
    }
    field "country" {
      path       = "Addresses.0.Country"
      write_path = "Addresses.0.CountryId"
      lookup     = "country"
    }
    field "phone" {
      path = "Addresses.0.Phone"
    }
    field "fax" {
      path = "Addresses.0.Fax"
    }
  }

  # Contacts. The search answers the summary shape (IsPoc); a single
  # contact and a write answer the full shape (Poc). A create needs a first
  # name, an e-mail, a phone and a location of the account.
  object "contact" {
    list_path         = "/crm/contacts/search"
    item_path         = "/crm/contacts/{id}"
    create_path       = "/crm/contacts"
    id                = "Id"
    updated           = "ModifiedOn"
    created           = "CreatedOn"
    offers            = ["to_doc", "two_way"]
    default_direction = "to_doc"

    update {
      content_type = "application/json-patch+json"
    }
    rate_limit {
      window_requests = 1500
      window_seconds  = 3600
    }

    field "organization" {
      path               = "AccountId"
      required_on_create = true
    }
    field "first_name" {
      path               = "FirstName"
      required_on_create = true
    }
    field "last_name" {
      path = "LastName"
    }
    field "title" {
      path = "JobTitle"
    }
    field "location" {
      path               = "LocationId"
      required_on_create = true
    }
    field "important" {
      path         = "IsPoc"
      write_path   = "Poc"
      to_canonical = "(value ?? record.Poc) == true"
    }
    # E-mail types are Work, Personal and Other; another label is sent as
    # Work. The default (IsDefault) entry is the primary one.
    field "emails" {
      path               = "Emails"
      required_on_create = true
      to_canonical       = "map(value ?? [], ({'value': #.EmailAddress, 'type': #.EmailType, 'primary': #.IsDefault == true}))"
      from_canonical     = "map(value ?? [], ({'EmailAddress': #.value, 'EmailType': #.type in ['Work', 'Personal', 'Other'] ? #.type : 'Work', 'IsDefault': #.primary == true}))"
    }
    # Phone types are Work, Mobile, Home, Fax and Direct; another label is
    # sent as Work.
    field "phones" {
      path               = "Phones"
      required_on_create = true
      to_canonical       = "map(value ?? [], ({'value': #.Phone, 'type': #.PhoneType, 'extension': #.Extension, 'primary': #.IsDefault == true}))"
      from_canonical     = "map(value ?? [], ({'Phone': #.value, 'PhoneType': #.type in ['Work', 'Mobile', 'Home', 'Fax', 'Direct'] ? #.type : 'Work', 'Extension': #.extension, 'IsDefault': #.primary == true}))"
    }
  }

  # Hardware assets.
  object "configuration" {
    list_path         = "/servicedesk/hardwareasset/search"
    item_path         = "/servicedesk/hardwareasset/{id}"
    create_path       = "/servicedesk/hardwareasset"
    id                = "Id"
    updated           = "ModifiedOn"
    created           = "CreatedOn"
    offers            = ["to_doc", "two_way"]
    default_direction = "to_doc"

    update {
      content_type = "application/json-patch+json"
    }
    rate_limit {
      window_requests = 1500
      window_seconds  = 3600
    }

    field "organization" {
      path               = "AccountId"
      required_on_create = true
    }
    field "name" {
      path               = "Name"
      required_on_create = true
    }
    field "configuration_type" {
      path               = "Category"
      write_path         = "CategoryId"
      lookup             = "asset_category"
      required_on_create = true
    }
    field "configuration_status" {
      path       = "State"
      write_path = "StateId"
      lookup     = "asset_state"
    }
    field "asset_tag" {
      path = "AssetTag"
    }
    field "contact" {
      path = "ContactId"
    }
    field "default_gateway" {
      path = "DefaultGateway"
    }
    field "primary_ip" {
      path = "IpAddress"
    }
    field "location" {
      path = "AccountLocationId"
    }
    field "manufacturer" {
      path       = "Manufacturer"
      write_path = "ManufacturerId"
      lookup     = "manufacturer"
    }
    field "model" {
      path = "ModelNumber"
    }
    field "notes" {
      path = "Description"
    }
    field "operating_system" {
      path = "OsInfo"
    }
    field "position" {
      path = "LocationInfo"
    }
    field "platform" {
      path = "OsType"
    }
    field "purchased_date" {
      path           = "AcquisitionDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
    field "serial_number" {
      path = "SerialNumber"
    }
    # One MAC address; anything else is not synced (the reason is kept).
    field "primary_mac" {
      path         = "MacAddress"
      to_canonical = "trim(value) == '' ? nil : (is_mac(value) ? mac(value) : reject('MAC address field holds more than one MAC address or is not a MAC address'))"
    }
    field "warranty_expires" {
      path           = "WarrantyExpirationDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
  }

  # Reference data: GET lookups, one request each. Types, categories and
  # states Pulseway PSA lacks are not created from IT Glue.
  lookup "account_type" {
    path    = "/system/accounttypes/lookup"
    id      = "Id"
    label   = "Name"
    missing = "skip"
    reason  = "account type does not exist in Pulseway PSA"
    paging "none" {}
  }
  lookup "asset_category" {
    path    = "/system/assetcategories/lookup"
    id      = "Id"
    label   = "Name"
    missing = "skip"
    reason  = "asset category does not exist in Pulseway PSA"
    paging "none" {}
  }
  lookup "asset_state" {
    path    = "/system/assetstates/lookup"
    id      = "Id"
    label   = "Name"
    missing = "skip"
    reason  = "asset state does not exist in Pulseway PSA"
    paging "none" {}
  }
  lookup "manufacturer" {
    path    = "/system/manufacturers/lookup"
    id      = "Id"
    label   = "Name"
    missing = "empty"
    paging "none" {}
  }
  lookup "country" {
    path    = "/system/countries/lookup"
    id      = "Id"
    label   = "Name"
    missing = "empty"
    paging "none" {}
  }
}
