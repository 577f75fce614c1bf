/**
 * The province's cities (Henan: 17 prefecture-level cities and 济源), by GB/T 2260 code — a university's `city`.
 * The gateway validates against the same list (gateway/src/sanquan_gateway/orgs/cities.py). The Chinese name is also
 * the map feature's name in the big screen's GeoJSON. The names are proper nouns in both languages, kept here rather
 * than in the locale files so that they load with the pages that show them, not with the sign-in page.
 */
export const PROVINCE_CITIES: ReadonlyArray<{ code: string; feature: string; en: string }> = [
  { code: '410100', feature: '郑州市', en: 'Zhengzhou' },
  { code: '410200', feature: '开封市', en: 'Kaifeng' },
  { code: '410300', feature: '洛阳市', en: 'Luoyang' },
  { code: '410400', feature: '平顶山市', en: 'Pingdingshan' },
  { code: '410500', feature: '安阳市', en: 'Anyang' },
  { code: '410600', feature: '鹤壁市', en: 'Hebi' },
  { code: '410700', feature: '新乡市', en: 'Xinxiang' },
  { code: '410800', feature: '焦作市', en: 'Jiaozuo' },
  { code: '410900', feature: '濮阳市', en: 'Puyang' },
  { code: '411000', feature: '许昌市', en: 'Xuchang' },
  { code: '411100', feature: '漯河市', en: 'Luohe' },
  { code: '411200', feature: '三门峡市', en: 'Sanmenxia' },
  { code: '411300', feature: '南阳市', en: 'Nanyang' },
  { code: '411400', feature: '商丘市', en: 'Shangqiu' },
  { code: '411500', feature: '信阳市', en: 'Xinyang' },
  { code: '411600', feature: '周口市', en: 'Zhoukou' },
  { code: '411700', feature: '驻马店市', en: 'Zhumadian' },
  { code: '419001', feature: '济源市', en: 'Jiyuan' },
]

/** The map feature (Chinese city name) of a city code. */
export function cityFeature(code: string | null | undefined): string | undefined {
  return PROVINCE_CITIES.find((c) => c.code === code)?.feature
}

/** A city's name in the user's language (Chinese for every locale but English); '—' without a known city. */
export function cityName(code: string | null | undefined, locale: string): string {
  const c = PROVINCE_CITIES.find((x) => x.code === code)
  if (!c) return '—'
  return locale.startsWith('en') ? c.en : c.feature
}
