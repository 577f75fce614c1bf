/**
 * ECharts' map pieces and the province's city boundaries, for the big screen only (#17): imported by
 * BigScreenView (a lazy route), so neither the charts nor the GeoJSON reach the sign-in or layout chunks.
 *
 * The GeoJSON is Henan by city from Apache ECharts 4.9.0 (`map/json/province/henan.json`, Apache-2.0; installed as
 * the npm alias `echarts-v4-maps`); ECharts 6 still reads its compressed coordinates. It is its own chunk, fetched
 * when the screen first draws the map.
 */
import { registerMap, use } from 'echarts/core'
import { MapChart, ScatterChart } from 'echarts/charts'
import { AriaComponent, GeoComponent, VisualMapComponent } from 'echarts/components'
import '@/plugins/echarts'

use([MapChart, ScatterChart, GeoComponent, VisualMapComponent, AriaComponent])

export const PROVINCE_MAP = 'henan'

interface Feature {
  properties: { name: string; cp?: [number, number] }
}

let loaded: Promise<Map<string, [number, number]>> | null = null

/** Registers the province's map once; resolves to each city's label point (longitude, latitude) by its name. */
export function loadProvinceMap(): Promise<Map<string, [number, number]>> {
  loaded ??= import('echarts-v4-maps/map/json/province/henan.json').then((mod) => {
    const geo = (mod.default ?? mod) as unknown as { features: Feature[] }
    registerMap(PROVINCE_MAP, geo as never)
    return new Map(geo.features.filter((f) => f.properties.cp).map((f) => [f.properties.name, f.properties.cp as [number, number]]))
  })
  loaded.catch(() => {
    loaded = null // a failed fetch is tried again at the next refresh
  })
  return loaded
}
